-- The scope of query (b) of BENCHMARKS' large-scale latency alone: the observations of people_visited in
-- province 11 within 2023, as every way of deciding supersession reads them first.
-- On generate --scale large --seed 1 imported into database large (metric id 1, province id 1):
-- PGOPTIONS='-c jit=off' pgbench -n -c 1 -T 4 -h 127.0.0.1 -U postgres -f THIS_FILE large
WITH scoped AS MATERIALIZED (SELECT o.id, o.province_id, o.city_id, o.county_id, o.town_id, o.village_id, o.period_start, o.period_end, o.program_id, o.published_on, o.region_id, o.value AS c_value, o.qualifier AS c_qualifier, o.county_id AS grp_region FROM observation o WHERE o.metric_id = 1 AND o.province_id = 1 AND o.county_id <> 0 AND o.period_start >= '2023-01-01' AND o.period_end <= '2023-12-31') SELECT count(*) FROM scoped;
