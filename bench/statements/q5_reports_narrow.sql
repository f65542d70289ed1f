-- Q5's 20 latest reports as q5_reports.sql, only the four columns Q5's fields need (id, external_id,
-- title, published_on) instead of whole rows.
-- On the medium data of bench/run (ids as bench/run's import gives them), database cg of the
-- benchmark's cluster: pgbench -n -M prepared -c 1 -T 4 -h 127.0.0.1 -p 5499 -U postgres -f THIS_FILE cg
SELECT t.id, t.external_id, t.title, t.published_on FROM region w CROSS JOIN LATERAL (SELECT t.* FROM report t WHERE t.region_id = w.id ORDER BY t.published_on DESC, t.id DESC LIMIT 21) t WHERE 1 = 1 AND w.county_id = 626 ORDER BY t.published_on DESC, t.id DESC LIMIT 21;
