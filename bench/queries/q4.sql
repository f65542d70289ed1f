-- Q4 series: city @Q4_ID@ (@Q4_CODE@), metric @Q4_METRIC_ID@ (@Q4_METRIC@), monthly sum by period_end month,
-- 2022-01..2024-12.
SELECT date_trunc('month', o.period_end)::date AS month, sum(o.value) AS total
  FROM observation o JOIN region r ON r.id = o.region_id
 WHERE r.city_id = @Q4_ID@ AND o.metric_id = @Q4_METRIC_ID@
   AND o.period_end >= DATE '2022-01-01' AND o.period_end < DATE '2025-01-01'
 GROUP BY 1
 ORDER BY 1;
