//! Migrations applied to databases that hold rows written before them.

use civicgraph_tests::{Backend, TestDb, backend_test};
use migration::{Migrator, MigratorTrait};
use sea_orm::{ConnectionTrait, Database, DbBackend, Statement};

backend_test!(reports_written_before_reports_had_paths_get_their_regions_paths);
/// The migration that gives reports their region's ancestor columns fills them for the reports already
/// there: a report about a village has the whole path, one about a county the path down to it, one
/// without a region none.
async fn reports_written_before_reports_had_paths_get_their_regions_paths(backend: Backend) {
    let name = backend.name();
    let test_db = TestDb::create(&backend).await;
    let (url, db_backend) = match backend {
        Backend::Sqlite => (format!("{}?mode=rwc", test_db.url), DbBackend::Sqlite),
        Backend::Postgres(_) => (test_db.url.clone(), DbBackend::Postgres),
    };
    let conn = Database::connect(url.as_str()).await.expect("the test database");
    let before = Migrator::migrations()
        .iter()
        .position(|m| m.name() == "m20261218_000050_report_region_path")
        .expect("the migration is listed");
    Migrator::up(&conn, Some(before as u32))
        .await
        .expect("the migrations before it");
    for sql in [
        "INSERT INTO region (id, code, name, level, parent_id, province_id, city_id, county_id, town_id, \
         village_id) VALUES (11, 'P', '省', 1, NULL, 11, 0, 0, 0, 0), (12, 'C', '市', 2, 11, 11, 12, 0, 0, 0), \
         (13, 'K', '县', 3, 12, 11, 12, 13, 0, 0), (14, 'T', '镇', 4, 13, 11, 12, 13, 14, 0), \
         (15, 'V', '村', 5, 14, 11, 12, 13, 14, 15)",
        "INSERT INTO report (id, external_id, title, published_on, region_id, content_hash) VALUES \
         (1, 'village', '村报', '2022-01-01', 15, 'a'), (2, 'county', '县报', '2022-01-02', 13, 'b'), \
         (3, 'nowhere', '无地', '2022-01-03', NULL, 'c')",
    ] {
        conn.execute_unprepared(sql)
            .await
            .expect("rows of the earlier schema");
    }
    Migrator::up(&conn, None).await.expect("the remaining migrations");
    let rows = conn
        .query_all_raw(Statement::from_string(
            db_backend,
            "SELECT external_id, province_id, city_id, county_id, town_id, village_id FROM report ORDER BY id",
        ))
        .await
        .expect("the reports");
    let paths: Vec<(String, [i64; 5])> = rows
        .iter()
        .map(|r| {
            let id = |c: &str| r.try_get::<i64>("", c).expect(c);
            (
                r.try_get("", "external_id").expect("external_id"),
                [
                    id("province_id"),
                    id("city_id"),
                    id("county_id"),
                    id("town_id"),
                    id("village_id"),
                ],
            )
        })
        .collect();
    assert_eq!(
        paths,
        [
            ("village".to_owned(), [11, 12, 13, 14, 15]),
            ("county".to_owned(), [11, 12, 13, 0, 0]),
            ("nowhere".to_owned(), [0, 0, 0, 0, 0]),
        ],
        "[{name}]"
    );
    conn.close().await.expect("close");
}
