//! The first import into a store without observations: on PostgreSQL it loads them into a bare copy
//! of the table and builds the indexes and foreign keys at the end (`store::bulk_load`). Readers go on
//! while it runs, ids go on from where they stood, and the table it leaves is the table the
//! migrations make.

use civicgraph_tests::write_helpers::bounded;
use civicgraph_tests::{Backend, ImportOptions, Importer, TestServer, backend_test, import_lines};
use sea_orm::{ConnectionTrait, DbBackend, Statement};
use serde_json::json;

const TREE: &str = r#"{"kind":"region","code":"33","name":"浙江省","level":"province","parent":null}
{"kind":"region","code":"3311","name":"丽水市","level":"city","parent":"33"}
{"kind":"region","code":"331102","name":"莲都区","level":"county","parent":"3311"}
{"kind":"metric","code":"people_visited","name":"走访人次","unit":"人次","value_type":"count"}
{"kind":"program","code":"siwu","name":"四五行动","region":"331102"}"#;

fn report(external_id: &str, values: &[u32]) -> String {
    let observations: Vec<_> = values
        .iter()
        .map(|v| json!({"metric": "people_visited", "program": "siwu", "value": v}))
        .collect();
    json!({"kind": "report", "external_id": external_id, "title": external_id, "published_on": "2022-08-20",
           "region": "331102", "observations": observations})
    .to_string()
}

/// Single-column text answers of `sql`, one string per row, columns joined by `|`.
async fn rows(s: &TestServer, sql: &str) -> Vec<String> {
    let backend = s.db.write.get_database_backend();
    s.db.write
        .query_all_raw(Statement::from_string(backend, sql))
        .await
        .expect(sql)
        .iter()
        .map(|r| r.try_get::<String>("", "line").expect("a text column `line`"))
        .collect()
}

/// The observation table as PostgreSQL's catalog describes it: columns, indexes, constraints.
async fn observation_catalog(s: &TestServer) -> Vec<String> {
    rows(
        s,
        "SELECT line FROM (\
           SELECT 'column ' || column_name || ' ' || data_type || ' ' || is_nullable || ' ' \
             || coalesce(column_default, '') || ' ' || is_identity AS line \
             FROM information_schema.columns WHERE table_schema = current_schema() AND table_name = 'observation' \
           UNION ALL SELECT 'index ' || indexdef FROM pg_indexes \
             WHERE schemaname = current_schema() AND tablename = 'observation' \
           UNION ALL SELECT 'constraint ' || conname || ' ' || pg_get_constraintdef(oid) FROM pg_constraint \
             WHERE conrelid = 'observation'::regclass \
           UNION ALL SELECT 'schema ' || nspname FROM pg_namespace WHERE nspname = 'civicgraph_load'\
         ) c ORDER BY line",
    )
    .await
}

backend_test!(a_first_import_lets_readers_read_and_ids_go_on);
/// Observations written and then deleted leave the id sequence past them; the next import, into a
/// table without observations again, gives ids after them, and replaces the report still stored
/// (looked up, since the store holds reports). While it has not committed, readers read
/// the store as it was, without waiting for it; afterwards they read what it wrote, and writes
/// through the API go on.
async fn a_first_import_lets_readers_read_and_ids_go_on(backend: Backend) {
    let s = TestServer::start(&backend).await;
    let first = format!("{TREE}\n{}", report("earlier", &[1, 2, 3]));
    assert!(
        import_lines(&s.db, ImportOptions::default(), first.lines().map(str::to_owned))
            .await
            .unwrap()
            .committed
    );
    let backend_of = s.db.write.get_database_backend();
    s.db.write
        .execute_unprepared("DELETE FROM observation")
        .await
        .expect("the observations go");
    let count = "{ regions { totalCount } observations { totalCount } }";

    let mut importer = Importer::begin(&s.db, ImportOptions::default())
        .await
        .expect("the import begins");
    for (i, values) in [[10, 20], [30, 40]].iter().enumerate() {
        importer
            .line(i as u64 + 1, &report(&format!("r{i}"), values))
            .await
            .unwrap();
    }
    // The report written before is still stored: changed, it is looked up and replaced.
    importer.line(3, &report("earlier", &[5])).await.unwrap();
    // Readers neither wait for the import nor see it.
    let during = bounded(20, s.data(count, json!({}))).await;
    assert_eq!(
        during,
        json!({"regions": {"totalCount": 3}, "observations": {"totalCount": 0}})
    );
    let summary = importer.finish().await.expect("the import commits");
    assert_eq!((summary.committed, summary.observations), (true, 5));
    assert_eq!((summary.reports.created, summary.reports.updated), (2, 1));

    let after = s.data(count, json!({})).await;
    assert_eq!(
        after,
        json!({"regions": {"totalCount": 3}, "observations": {"totalCount": 5}})
    );
    let ids = rows(&s, "SELECT CAST(id AS TEXT) AS line FROM observation ORDER BY id").await;
    assert_eq!(
        ids,
        ["4", "5", "6", "7", "8"],
        "[{}] ids after the three deleted",
        backend.name()
    );

    // The table takes writes after the import as before it: a report written through the API.
    let more = format!("{TREE}\n{}", report("later", &[50]));
    assert!(
        import_lines(&s.db, ImportOptions::default(), more.lines().map(str::to_owned))
            .await
            .unwrap()
            .committed
    );
    let ids = rows(&s, "SELECT CAST(id AS TEXT) AS line FROM observation ORDER BY id").await;
    assert_eq!(ids, ["4", "5", "6", "7", "8", "9"]);
    let after = s.data(count, json!({})).await;
    assert_eq!(
        after,
        json!({"regions": {"totalCount": 3}, "observations": {"totalCount": 6}})
    );

    if backend_of == DbBackend::Postgres {
        // The table the load left is the one the migrations make, and its copy's schema is gone.
        let fresh = TestServer::start(&backend).await;
        assert_eq!(observation_catalog(&s).await, observation_catalog(&fresh).await);
        fresh.stop().await;
    }
    s.stop().await;
}
