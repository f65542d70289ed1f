-- What an initial load of observations costs on PostgreSQL with the indexes and foreign keys in
-- place, against the same rows loaded into the bare table with the indexes built and the foreign keys
-- checked afterwards (as pg_restore does), apart from everything else.
-- Usage: psql -h 127.0.0.1 -U postgres -d test -f bench/bulk_cost.sql
-- In a scratch schema `bulk_cost` (dropped at the end): two tables shaped like `observation`; the
-- same 1,000,000 generated rows go into each, timed by psql (\timing).
\set QUIET on
DROP SCHEMA IF EXISTS bulk_cost CASCADE;
CREATE SCHEMA bulk_cost;
SET search_path = bulk_cost;
SET maintenance_work_mem = '256MB';
CREATE TABLE region (id bigserial primary key, code text);
CREATE TABLE metric (id bigserial primary key, code text);
CREATE TABLE program (id bigserial primary key, code text);
CREATE TABLE report (id bigserial primary key, code text);
INSERT INTO region (code) SELECT g::text FROM generate_series(1,51000) g;
INSERT INTO metric (code) SELECT g::text FROM generate_series(1,41) g;
INSERT INTO program (code) SELECT g::text FROM generate_series(1,6332) g;
INSERT INTO report (code) SELECT g::text FROM generate_series(1,95214) g;
CREATE TABLE obs_live (id bigserial primary key, report_id bigint not null references report(id) on delete cascade,
 metric_id bigint not null references metric(id), region_id bigint not null references region(id), program_id bigint references program(id),
 value double precision not null, qualifier text not null, period_start date not null, period_end date not null, quote text, published_on date not null,
 province_id bigint not null default 0, city_id bigint not null default 0, county_id bigint not null default 0, town_id bigint not null default 0, village_id bigint not null default 0,
 quote_start integer, quote_end integer, extracted boolean not null default false);
CREATE INDEX obs_live_report ON obs_live (report_id);
CREATE INDEX obs_live_scope ON obs_live (metric_id, province_id, city_id, county_id, town_id, village_id, period_start, period_end, program_id, published_on, region_id) INCLUDE (id, value, qualifier);
CREATE TABLE obs_bare (LIKE obs_live INCLUDING DEFAULTS);
CREATE SEQUENCE s_bare; ALTER TABLE obs_bare ALTER id SET DEFAULT nextval('s_bare'); ALTER TABLE obs_bare ADD PRIMARY KEY (id);
CREATE VIEW rows AS
SELECT 1 + g % 95214 AS report_id, 1 + g % 41 AS metric_id, 1 + (g::bigint*7919) % 51000 AS region_id,
 CASE WHEN g % 3 = 0 THEN 1 + g % 6332 END AS program_id, g::double precision AS value, 'exact'::text AS qualifier,
 date '2023-01-01' + g % 365 AS period_start, date '2023-01-01' + g % 365 AS period_end, NULL::text AS quote,
 date '2024-01-01' AS published_on, 1 + g % 6 AS province_id, 1 + g % 38 AS city_id, 1 + g % 262 AS county_id,
 1 + g % 3166 AS town_id, 0 AS village_id FROM generate_series(1,1000000) g;
\set QUIET off
\timing on
\echo indexes and foreign keys in place
INSERT INTO obs_live (report_id, metric_id, region_id, program_id, value, qualifier, period_start, period_end, quote, published_on, province_id, city_id, county_id, town_id, village_id) SELECT * FROM rows;
\echo the bare table, then its indexes and foreign keys
INSERT INTO obs_bare (report_id, metric_id, region_id, program_id, value, qualifier, period_start, period_end, quote, published_on, province_id, city_id, county_id, town_id, village_id) SELECT * FROM rows;
CREATE INDEX obs_bare_report ON obs_bare (report_id);
CREATE INDEX obs_bare_scope ON obs_bare (metric_id, province_id, city_id, county_id, town_id, village_id, period_start, period_end, program_id, published_on, region_id) INCLUDE (id, value, qualifier);
ALTER TABLE obs_bare ADD FOREIGN KEY (report_id) REFERENCES report(id) ON DELETE CASCADE;
ALTER TABLE obs_bare ADD FOREIGN KEY (metric_id) REFERENCES metric(id);
ALTER TABLE obs_bare ADD FOREIGN KEY (region_id) REFERENCES region(id);
ALTER TABLE obs_bare ADD FOREIGN KEY (program_id) REFERENCES program(id);
\timing off
\set QUIET on
DROP SCHEMA bulk_cost CASCADE;
