//! The synthetic dataset of `civicgraph generate` goes through the product's own parser, validator and
//! importer without a single refused line, and everything it wrote is served back.

use civicgraph_synth::{Scale, generate};
use civicgraph_tests::{Backend, ImportOptions, TestServer, backend_test, import_lines};
use serde_json::json;

backend_test!(the_small_synthetic_dataset_imports_whole);
/// Every line of `generate --scale small` parses, validates and is written; the API counts what the
/// generator says it wrote, and importing the file again changes nothing.
async fn the_small_synthetic_dataset_imports_whole(backend: Backend) {
    let mut out = Vec::new();
    let stats = generate(Scale::Small, 3, &mut out).expect("the generator writes to memory");
    let text = String::from_utf8(out).expect("the generator writes UTF-8");
    let s = TestServer::start(&backend).await;
    let lines = || text.lines().map(str::to_owned);
    let summary = import_lines(&s.db, ImportOptions::default(), lines())
        .await
        .expect("the import runs");
    assert!(
        summary.committed,
        "{:?}",
        &summary.errors[..summary.errors.len().min(5)]
    );
    assert_eq!(summary.error_count, 0);
    assert_eq!(summary.regions.created, stats.regions);
    assert_eq!(summary.metrics.created, stats.metrics);
    assert_eq!(summary.programs.created, stats.programs);
    assert_eq!(summary.reports.created, stats.reports);
    assert_eq!(summary.observations, stats.observations);
    let d = s
        .data(
            "{ regions { totalCount } reports { totalCount } observations { totalCount } }",
            json!({}),
        )
        .await;
    assert_eq!(d["regions"]["totalCount"], json!(stats.regions));
    assert_eq!(d["reports"]["totalCount"], json!(stats.reports));
    assert_eq!(d["observations"]["totalCount"], json!(stats.observations));
    let again = import_lines(&s.db, ImportOptions::default(), lines())
        .await
        .expect("the import runs");
    assert_eq!(
        again.reports.unchanged, stats.reports,
        "re-importing changes nothing"
    );
    assert_eq!(again.observations, 0);
    s.stop().await;
}
