//! The two ways the engine decides supersession (index probes, the default on SQLite; windows, the
//! default on PostgreSQL) answer every aggregation alike, on the hand-computed fixture and the small
//! synthetic dataset together, on both backends.

use civicgraph_synth::{Scale, generate};
use civicgraph_tests::{
    AggregateSpec, Aggregation, Backend, Collect, Grain, GroupRow, ImportOptions, Level, Supersession,
    TestServer, aggregate_with, backend_test, import_lines, metric_by_code, region_by_code,
};
use sea_orm::{ConnectionTrait, Statement};

use super::fixture::fixture;

/// The codes the first `n` rows of `sql` (one `code` column) answer.
async fn codes(s: &TestServer, sql: &str) -> Vec<String> {
    let rows =
        s.db.read
            .query_all_raw(Statement::from_string(s.db.read.get_database_backend(), sql))
            .await
            .expect("the query runs");
    rows.iter()
        .map(|r| r.try_get("", "code").expect("a code"))
        .collect()
}

/// `a` and `b` alike, values to the rounding of a sum taken in another order.
fn same(a: &[GroupRow], b: &[GroupRow]) -> bool {
    a.len() == b.len()
        && a.iter().zip(b).all(|(x, y)| {
            let close = match (x.value, y.value) {
                (Some(u), Some(v)) => (u - v).abs() <= 1e-9 * u.abs().max(v.abs()).max(1.0),
                (u, v) => u == v,
            };
            close
                && GroupRow {
                    value: None,
                    ..x.clone()
                } == GroupRow {
                    value: None,
                    ..y.clone()
                }
        })
}

backend_test!(probes_and_windows_answer_alike);
/// Every combination of `within` (none, each level of both trees, the county without a city), `level`,
/// grain and metric, with the function, `byProgram`, `asOf` and the reports collected turning over, answers the same groups,
/// values, counts and evidence both ways; and enough of them drop superseded figures for that to mean
/// something.
async fn probes_and_windows_answer_alike(backend: Backend) {
    let s = TestServer::start(&backend).await;
    s.import(&fixture()).await;
    let mut out = Vec::new();
    generate(Scale::Small, 5, &mut out).expect("the generator writes to memory");
    let text = String::from_utf8(out).expect("the generator writes UTF-8");
    let summary = import_lines(&s.db, ImportOptions::default(), text.lines().map(str::to_owned))
        .await
        .expect("the import runs");
    assert!(summary.committed && summary.error_count == 0);

    let mut metrics = vec![
        "visits".to_owned(),
        "staff".to_owned(),
        "rate".to_owned(),
        "qmix".to_owned(),
    ];
    metrics.extend(codes(&s, "SELECT code FROM metric WHERE code NOT IN ('visits', 'staff', 'rate', 'qmix') ORDER BY id LIMIT 3").await);
    let mut withins = vec![None];
    for code in ["P", "C", "K1", "K2", "K3", "T1"] {
        withins.push(Some(code.to_owned()));
    }
    for level in ["province", "city", "county"] {
        let sql = format!(
            "SELECT code FROM region WHERE {level}_id = id AND code NOT IN ('P', 'C', 'K1', 'K2', 'K3') ORDER BY id LIMIT 1"
        );
        withins.extend(codes(&s, &sql).await.into_iter().map(Some));
    }

    let functions = [
        Aggregation::Sum,
        Aggregation::Last,
        Aggregation::Count,
        Aggregation::Max,
    ];
    let (mut specs, mut with_superseded) = (0, 0);
    for metric in &metrics {
        let metric = metric_by_code(&s.db.read, metric)
            .await
            .expect("read")
            .expect("the metric exists");
        for within in &withins {
            let within = match within {
                Some(code) => Some(
                    region_by_code(&s.db.read, code)
                        .await
                        .expect("read")
                        .expect("the region exists"),
                ),
                None => None,
            };
            let top = within.as_ref().map_or(Level::Province, |w| w.level);
            let levels =
                std::iter::once(None).chain(Level::ALL.iter().filter(|l| **l >= top).map(|l| Some(*l)));
            for level in levels {
                for grain in [None, Some(Grain::Month), Some(Grain::Year)] {
                    specs += 1;
                    let spec = AggregateSpec {
                        metric_id: metric.id,
                        within: within.clone(),
                        level,
                        program_id: None,
                        by_program: specs % 2 == 0,
                        from: None,
                        to: None,
                        grain,
                        function: functions[specs % functions.len()],
                        as_of: (specs % 5 == 0).then(|| "2022-12-31".parse().expect("a date")),
                        // Without the reports, PostgreSQL reads the figures from what `scoped`
                        // carries; with them, from the table.
                        collect: Collect {
                            reports: specs % 3 != 0,
                            observations: true,
                            regions: false,
                        },
                    };
                    let probes = aggregate_with(&s.db.read, &spec, Supersession::Probes)
                        .await
                        .expect("probes");
                    let windows = aggregate_with(&s.db.read, &spec, Supersession::Windows)
                        .await
                        .expect("windows");
                    assert!(
                        same(&probes, &windows),
                        "[{}] {spec:?}\nprobes:  {probes:?}\nwindows: {windows:?}",
                        backend.name()
                    );
                    if probes.iter().any(|r| r.superseded > 0) {
                        with_superseded += 1;
                    }
                }
            }
        }
    }
    assert!(
        with_superseded * 4 > specs,
        "{with_superseded} of {specs} aggregations drop superseded figures"
    );
    s.stop().await;
}
