-- What foreign keys cost an INSERT of observations on PostgreSQL, apart from everything else.
-- Usage: psql -h 127.0.0.1 -U postgres -d test -f bench/fk_cost.sql
-- In a scratch schema `fk_cost` (dropped at the end): three copies of a table shaped like
-- `observation`, with the same indexes (primary key, report, scope), and with the four foreign keys,
-- with only the one to `report`, and with none; then the same 500,000 generated rows into each,
-- timed by psql (\timing).
\set QUIET on
DROP SCHEMA IF EXISTS fk_cost CASCADE;
CREATE SCHEMA fk_cost;
SET search_path = fk_cost;
CREATE TABLE region (id bigserial primary key, code text);
CREATE TABLE metric (id bigserial primary key, code text);
CREATE TABLE program (id bigserial primary key, code text);
CREATE TABLE report (id bigserial primary key, code text);
INSERT INTO region (code) SELECT g::text FROM generate_series(1,50000) g;
INSERT INTO metric (code) SELECT g::text FROM generate_series(1,100) g;
INSERT INTO program (code) SELECT g::text FROM generate_series(1,1000) g;
INSERT INTO report (code) SELECT g::text FROM generate_series(1,14000) g;
CREATE TABLE obs_fk (id bigserial primary key, report_id bigint not null references report(id) on delete cascade,
 metric_id bigint not null references metric(id), region_id bigint not null references region(id), program_id bigint references program(id),
 value double precision, qualifier text, period_start date, period_end date, quote text, published_on date,
 province_id bigint default 0, city_id bigint default 0, county_id bigint default 0, town_id bigint default 0, village_id bigint default 0);
CREATE TABLE obs_rep (LIKE obs_fk INCLUDING DEFAULTS); ALTER TABLE obs_rep ADD PRIMARY KEY (id); ALTER TABLE obs_rep ADD FOREIGN KEY (report_id) REFERENCES report(id) ON DELETE CASCADE;
CREATE TABLE obs_none (LIKE obs_fk INCLUDING DEFAULTS); ALTER TABLE obs_none ADD PRIMARY KEY (id);
CREATE SEQUENCE s1; ALTER TABLE obs_rep ALTER id SET DEFAULT nextval('s1'); CREATE SEQUENCE s2; ALTER TABLE obs_none ALTER id SET DEFAULT nextval('s2');
CREATE INDEX ON obs_fk(report_id); CREATE INDEX ON obs_rep(report_id); CREATE INDEX ON obs_none(report_id);
CREATE INDEX ON obs_fk(metric_id, province_id, city_id, county_id, town_id, village_id, period_start, period_end, program_id, published_on, region_id);
CREATE INDEX ON obs_rep(metric_id, province_id, city_id, county_id, town_id, village_id, period_start, period_end, program_id, published_on, region_id);
CREATE INDEX ON obs_none(metric_id, province_id, city_id, county_id, town_id, village_id, period_start, period_end, program_id, published_on, region_id);
\set QUIET off
\timing on
\echo four foreign keys, only report, none
INSERT INTO obs_fk (report_id, metric_id, region_id, program_id, value, qualifier, period_start, period_end, quote, published_on, province_id, city_id, county_id, town_id, village_id)
SELECT 1 + g % 14000, 1 + g % 97, 1 + (g::bigint*7919) % 50000, CASE WHEN g % 3 = 0 THEN 1 + g % 1000 END, g, 'exact', date '2023-01-01' + g % 365, date '2023-01-01' + g % 365, NULL, date '2024-01-01', 1 + g % 30, 1 + g % 300, 1 + g % 3000, 1 + g % 30000, 0 FROM generate_series(1,500000) g;
INSERT INTO obs_rep (report_id, metric_id, region_id, program_id, value, qualifier, period_start, period_end, quote, published_on, province_id, city_id, county_id, town_id, village_id)
SELECT 1 + g % 14000, 1 + g % 97, 1 + (g::bigint*7919) % 50000, CASE WHEN g % 3 = 0 THEN 1 + g % 1000 END, g, 'exact', date '2023-01-01' + g % 365, date '2023-01-01' + g % 365, NULL, date '2024-01-01', 1 + g % 30, 1 + g % 300, 1 + g % 3000, 1 + g % 30000, 0 FROM generate_series(1,500000) g;
INSERT INTO obs_none (report_id, metric_id, region_id, program_id, value, qualifier, period_start, period_end, quote, published_on, province_id, city_id, county_id, town_id, village_id)
SELECT 1 + g % 14000, 1 + g % 97, 1 + (g::bigint*7919) % 50000, CASE WHEN g % 3 = 0 THEN 1 + g % 1000 END, g, 'exact', date '2023-01-01' + g % 365, date '2023-01-01' + g % 365, NULL, date '2024-01-01', 1 + g % 30, 1 + g % 300, 1 + g % 3000, 1 + g % 30000, 0 FROM generate_series(1,500000) g;
DROP SCHEMA fk_cost CASCADE;
