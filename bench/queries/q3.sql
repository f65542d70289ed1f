-- Q3 rollup: province @Q3_ID@ (@Q3_CODE@), 2023 (period_end in the year), metric @Q3_METRIC_ID@ (@Q3_METRIC@):
-- sum per county.
SELECT r.county_id, sum(o.value) AS total
  FROM observation o JOIN region r ON r.id = o.region_id
 WHERE r.province_id = @Q3_ID@ AND o.metric_id = @Q3_METRIC_ID@
   AND o.period_end >= DATE '2023-01-01' AND o.period_end < DATE '2024-01-01'
 GROUP BY r.county_id
 ORDER BY r.county_id;
