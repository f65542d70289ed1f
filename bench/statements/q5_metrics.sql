-- The metrics of Q5's observations (q5_page_narrow.sql) read by their ids, as the server reads them in
-- a statement of their own (the request's loader), beside q5_page_metric.sql (the join tried instead).
-- On the medium data of bench/run (ids as bench/run's import gives them), database cg of the
-- benchmark's cluster: pgbench -n -M prepared -c 1 -T 4 -h 127.0.0.1 -p 5499 -U postgres -f THIS_FILE cg
SELECT "metric"."id", "metric"."code", "metric"."name", "metric"."unit", "metric"."value_type", "metric"."aggregation" FROM "metric" WHERE "metric"."id" IN (1, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19, 2, 20, 21, 22, 23, 24, 25, 26, 27, 28, 29, 3, 30, 31, 32, 33, 34, 35, 36, 37, 38, 39, 4, 40, 41, 5, 6, 7, 8, 9);
