-- The same reports, their ids found first and their rows read after (pays only with an index on report (region_id, published_on, id)).
-- On the medium data of bench/run (ids as bench/run's import gives them), database cg of the
-- benchmark's cluster: pgbench -n -M prepared -c 1 -T 4 -h 127.0.0.1 -p 5499 -U postgres -f THIS_FILE cg
SELECT t.* FROM report t JOIN (SELECT x.id FROM region w CROSS JOIN LATERAL (SELECT x.id, x.published_on FROM report x WHERE x.region_id = w.id ORDER BY x.published_on DESC, x.id DESC LIMIT 21) x WHERE w.county_id = 626 ORDER BY x.published_on DESC, x.id DESC LIMIT 21) k ON k.id = t.id ORDER BY t.published_on DESC, t.id DESC;
