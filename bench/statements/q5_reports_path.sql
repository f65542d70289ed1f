-- Q5's 20 latest reports within county 190104 (region id 626), as the server reads them since reports
-- carry their region's path (migration m20261218_000050_report_region_path): one walk of
-- idx_report_county, beside q5_reports.sql (a walk of idx_report_region per region of the county).
-- On the medium data of bench/run (ids as bench/run's import gives them), database cg of the
-- benchmark's cluster: pgbench -n -M prepared -c 1 -T 4 -h 127.0.0.1 -p 5499 -U postgres -f THIS_FILE cg
SELECT t.* FROM report t WHERE 1 = 1 AND t.county_id = 626 ORDER BY t.published_on DESC, t.id DESC LIMIT 21;
