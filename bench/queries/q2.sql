-- Q2 compare: county @Q2_ID@ (@Q2_CODE@), 2023 (period_end in the year), metric @Q2_METRIC_ID@ (@Q2_METRIC@):
-- sum per town (town + its villages), largest first.
SELECT r.town_id, sum(o.value) AS total
  FROM observation o JOIN region r ON r.id = o.region_id
 WHERE r.county_id = @Q2_ID@ AND o.metric_id = @Q2_METRIC_ID@
   AND o.period_end >= DATE '2023-01-01' AND o.period_end < DATE '2024-01-01'
 GROUP BY r.town_id
 ORDER BY total DESC;
