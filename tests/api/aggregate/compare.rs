//! `compare` over HTTP on the fixture, the errors of `aggregate` and `compare`, and the statements
//! a comparison runs.

use civicgraph_tests::{Backend, StatementCounter, TestServer, backend_test};
use serde_json::{Value, json};

use super::fixture::{fixture, o, region, report};
use super::{AGG, code, num, started};

/// A `compare` query with every argument as a variable.
const CMP: &str =
    "query($m: String!, $w: String!, $l: RegionLevel!, $f: Date!, $t: Date!, $bf: Date, $bt: Date,
  $pc: Int, $p: String, $top: Int, $a: Date) {
  compare(metric: $m, within: $w, level: $l, from: $f, to: $t, baselineFrom: $bf, baselineTo: $bt,
          perCapita: $pc, program: $p, top: $top, asOf: $a) {
    metric { code } total totalQualifier mean median
    rows { region { code population } value qualifier rank share perCapita baseline change changePct
           observations sources { externalId } evidence { value } } } }";

/// `compare` rows as `REGION value QUALIFIER #rank share perCapita baseline change changePct n [sources]`.
fn cmp_rows(d: &Value) -> Vec<String> {
    d["compare"]["rows"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            let sources: Vec<&str> = r["sources"]
                .as_array()
                .unwrap()
                .iter()
                .map(|s| s["externalId"].as_str().unwrap())
                .collect();
            format!(
                "{} {} {} #{} {} {} {} {} {} {} [{}]",
                code(&r["region"]),
                num(&r["value"]),
                r["qualifier"].as_str().unwrap(),
                num(&r["rank"]),
                num(&r["share"]),
                num(&r["perCapita"]),
                num(&r["baseline"]),
                num(&r["change"]),
                num(&r["changePct"]),
                r["observations"],
                sources.join(" ")
            )
        })
        .collect()
}

/// `total totalQualifier mean median` of a comparison.
fn summary(d: &Value) -> String {
    let c = &d["compare"];
    format!(
        "{} {} {} {}",
        num(&c["total"]),
        c["totalQualifier"].as_str().unwrap(),
        num(&c["mean"]),
        num(&c["median"])
    )
}

backend_test!(compare_towns);
/// compare: a row for every town, ranks with ties, share, perCapita, baseline and change, the total
/// under the same rules, mean and median before `top`, sources.
async fn compare_towns(backend: Backend) {
    let s = started(&backend).await;
    let name = s.backend.name();
    let vars = json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                      "bf": "2021-01-01", "bt": "2021-12-31", "pc": 10000});
    let d = s.data(CMP, vars.clone()).await;
    // Values as in supersession_by_town; sum of rows 3140.
    // share = v / 3140; perCapita = v × 10000 / population (T3's population is 0: null);
    // baselines 2021: T1 1000, T2 1500, T3 600, T4 0 (so changePct null), T5 none.
    assert_eq!(
        cmp_rows(&d),
        [
            "T1 1120 EXACT #1 0.3567 1120 1000 120 12 2 [t1-nov k1-prog]",
            "T2 960 EXACT #2 0.3057 480 1500 -540 -36 3 [t2-mar-b t2-apr]",
            "T3 960 EXACT #2 0.3057 null 600 360 60 2 [t3-b]",
            "T4 100 OVER #4 0.0318 250 0 100 null 1 [t4-sep]",
            "T5 null EXACT #null null null null null null 0 []",
        ],
        "[{name}]"
    );
    // total: the whole of K1 under the same rules is o18 + o16 (EXACT: T4's OVER is superseded);
    // mean 3140 / 4 = 785; median of 100, 960, 960, 1120 = 960.
    assert_eq!(summary(&d), "5050 EXACT 785 960", "[{name}]");
    assert_eq!(d["compare"]["metric"]["code"], "visits");

    // top keeps the first rows; total, mean and median are unchanged.
    let mut top = vars.clone();
    top["top"] = json!(2);
    let d = s.data(CMP, top).await;
    let rows = cmp_rows(&d);
    assert_eq!(rows.len(), 2, "[{name}]");
    assert!(rows[1].starts_with("T2 960 EXACT #2"), "[{name}] {rows:?}");
    assert_eq!(summary(&d), "5050 EXACT 785 960", "[{name}]");

    // 2021: T2 1500, T1 1000, T3 600, T4 0; the total is K1's own 4000 (supersedes the towns);
    // mean 3100 / 4 = 775, median (600 + 1000) / 2 = 800.
    let d = s
        .data(
            CMP,
            json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2021-01-01", "t": "2021-12-31"}),
        )
        .await;
    let ranks: Vec<String> = cmp_rows(&d)
        .iter()
        .map(|r| r.split(' ').take(4).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        ranks,
        [
            "T2 1500 EXACT #1",
            "T1 1000 EXACT #2",
            "T3 600 EXACT #3",
            "T4 0 EXACT #4",
            "T5 null EXACT #null"
        ],
        "[{name}]"
    );
    assert_eq!(summary(&d), "4000 EXACT 775 800", "[{name}]");

    // As of 2022-09-01: T1 700 (o5), T2 960, T3 960 tie for first, T4 not yet reported;
    // total 700 + 960 + 960 (no K1 figure yet).
    let d = s
        .data(
            CMP,
            json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                          "a": "2022-09-01"}),
        )
        .await;
    let ranks: Vec<String> = cmp_rows(&d)
        .iter()
        .map(|r| r.split(' ').take(4).collect::<Vec<_>>().join(" "))
        .collect();
    assert_eq!(
        ranks,
        [
            "T2 960 EXACT #1",
            "T3 960 EXACT #1",
            "T1 700 EXACT #3",
            "T4 null EXACT #null",
            "T5 null EXACT #null"
        ],
        "[{name}]"
    );
    assert_eq!(summary(&d), "2620 EXACT 873.3333 960", "[{name}]");

    // A LAST metric has no share; its total is the last figure of K1 (T3's 25).
    let d = s
        .data(
            CMP,
            json!({"m": "staff", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"}),
        )
        .await;
    assert_eq!(
        cmp_rows(&d)[..4],
        [
            "T4 99 EXACT #1 null null null null null 1 [staff-4]",
            "T2 30 EXACT #2 null null null null null 1 [staff-2]",
            "T3 25 EXACT #3 null null null null null 1 [staff-3]",
            "T1 12 EXACT #4 null null null null null 1 [staff-1]",
        ],
        "[{name}]"
    );
    assert_eq!(summary(&d), "25 EXACT 41.5000 27.5000", "[{name}]");

    // A ratio: MEAN, no share, UNDER where a nearly figure counted.
    let d = s
        .data(
            CMP,
            json!({"m": "rate", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                          "top": 2}),
        )
        .await;
    assert_eq!(
        cmp_rows(&d),
        [
            "T1 90 EXACT #1 null null null null null 1 [rate-2022]",
            "T2 80 UNDER #2 null null null null null 1 [rate-2022]",
        ],
        "[{name}]"
    );
    assert_eq!(summary(&d), "85 UNDER 85 85", "[{name}]");

    // The level of within itself: one row, the whole share; by program.
    let d = s
        .data(
            CMP,
            json!({"m": "visits", "w": "K1", "l": "COUNTY", "f": "2022-01-01", "t": "2022-12-31",
                          "p": "prog_a", "pc": 1000}),
        )
        .await;
    assert_eq!(
        cmp_rows(&d),
        ["K1 50 EXACT #1 1 0.1667 null null null 1 [k1-prog]"],
        "[{name}]"
    );
    assert_eq!(summary(&d), "50 EXACT 50 50", "[{name}]");

    // A village compared at its own level: only its own figure (T1's o6 is above it).
    let d = s
        .data(
            CMP,
            json!({"m": "visits", "w": "T1V1", "l": "VILLAGE", "f": "2022-01-01", "t": "2022-12-31"}),
        )
        .await;
    assert_eq!(
        cmp_rows(&d),
        ["T1V1 40 EXACT #1 1 null null null null 1 [t1-nov]"],
        "[{name}]"
    );
    assert_eq!(summary(&d), "40 EXACT 40 40", "[{name}]");
    s.stop().await;
}

backend_test!(errors);
/// NOT_FOUND for unknown metric, region or program (named); BAD_INPUT for bad windows, levels above
/// `within`, non-positive perCapita or top.
async fn errors(backend: Backend) {
    let s = started(&backend).await;
    let name = s.backend.name();
    let cmp = json!({"m": "visits", "w": "K1", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"});
    let merge = |base: &Value, extra: Value| {
        let mut v = base.clone();
        for (k, x) in extra.as_object().unwrap() {
            v[k] = x.clone();
        }
        v
    };
    for (query, vars, expected, named) in [
        (AGG, json!({"m": "nope"}), "NOT_FOUND", "nope"),
        (
            AGG,
            json!({"m": "visits", "w": "NOWHERE"}),
            "NOT_FOUND",
            "NOWHERE",
        ),
        (AGG, json!({"m": "visits", "p": "noprog"}), "NOT_FOUND", "noprog"),
        (CMP, merge(&cmp, json!({"m": "nope"})), "NOT_FOUND", "nope"),
        (CMP, merge(&cmp, json!({"w": "NOWHERE"})), "NOT_FOUND", "NOWHERE"),
        (CMP, merge(&cmp, json!({"p": "noprog"})), "NOT_FOUND", "noprog"),
        (
            AGG,
            json!({"m": "visits", "f": "2022-12-31", "t": "2022-01-01"}),
            "BAD_INPUT",
            "from",
        ),
        (CMP, merge(&cmp, json!({"f": "2023-01-01"})), "BAD_INPUT", "from"),
        (
            CMP,
            merge(&cmp, json!({"bf": "2021-12-31", "bt": "2021-01-01"})),
            "BAD_INPUT",
            "baselineFrom",
        ),
        (
            CMP,
            merge(&cmp, json!({"bf": "2021-01-01"})),
            "BAD_INPUT",
            "baseline",
        ),
        (
            AGG,
            json!({"m": "visits", "w": "T1", "l": "COUNTY"}),
            "BAD_INPUT",
            "level",
        ),
        (CMP, merge(&cmp, json!({"l": "CITY"})), "BAD_INPUT", "level"),
        (CMP, merge(&cmp, json!({"pc": 0})), "BAD_INPUT", "perCapita"),
        (CMP, merge(&cmp, json!({"pc": -10})), "BAD_INPUT", "perCapita"),
        (CMP, merge(&cmp, json!({"top": 0})), "BAD_INPUT", "top"),
        (CMP, merge(&cmp, json!({"top": -1})), "BAD_INPUT", "top"),
    ] {
        let (code, message) = s.error_code(query, vars.clone()).await;
        assert_eq!(code, expected, "[{name}] {vars}: {message}");
        assert!(message.contains(named), "[{name}] {vars}: {message}");
    }
    s.stop().await;
}

backend_test!(compare_evidence);
/// `evidence` lists exactly the observations that counted in each row (superseded ones left out), by
/// period end, with their reports and regions: as many as `observations` says.
async fn compare_evidence(backend: Backend) {
    let s = started(&backend).await;
    let name = s.backend.name();
    let query = "query($w: String!, $l: RegionLevel!) {
      compare(metric: \"visits\", within: $w, level: $l, from: \"2022-01-01\", to: \"2022-12-31\") {
        rows { region { code } observations
               evidence { value periodEnd region { code } report { externalId } metric { code } } } } }";
    let evidence = |d: &Value| -> Vec<String> {
        let rows = d["compare"]["rows"].as_array().expect("rows");
        rows.iter()
            .map(|r| {
                let list = r["evidence"].as_array().expect("evidence");
                assert_eq!(
                    list.len() as u64,
                    r["observations"].as_u64().unwrap(),
                    "[{name}] {r}"
                );
                let items: Vec<String> = list
                    .iter()
                    .map(|o| {
                        // Every figure compared is of the compared metric.
                        assert_eq!(o["metric"]["code"], "visits", "[{name}] {o}");
                        format!(
                            "{} {} {} {}",
                            num(&o["value"]),
                            o["periodEnd"].as_str().unwrap(),
                            code(&o["region"]),
                            o["report"]["externalId"].as_str().unwrap()
                        )
                    })
                    .collect();
                format!("{}: {}", code(&r["region"]), items.join(", "))
            })
            .collect()
    };
    // As in supersession_by_town: o5 and o7 are superseded by o6, o8 by o9, o12 by o13.
    let d = s.data(query, json!({"w": "K1", "l": "TOWN"})).await;
    assert_eq!(
        evidence(&d),
        [
            "T1: 20 2022-06-30 T1 k1-prog, 1100 2022-11-30 T1 t1-nov",
            "T2: 310 2022-03-31 T2 t2-mar-b, 400 2022-04-30 T2 t2-apr, 250 2022-05-15 T2 t2-apr",
            "T3: 620 2022-05-31 T3 t3-b, 340 2022-06-30 T3 t3-b",
            "T4: 100 2022-09-30 T4 t4-sep",
            "T5: ",
        ],
        "[{name}]"
    );
    // By village, T1's own figure is above the group: the village figure counts, from t1-nov.
    let d = s.data(query, json!({"w": "T1", "l": "VILLAGE"})).await;
    assert_eq!(evidence(&d), ["T1V1: 40 2022-03-31 T1V1 t1-nov"], "[{name}]");
    s.stop().await;
}

backend_test!(compare_statements_do_not_grow_with_rows);
/// One compare runs the same few statements for 5 rows as for 46, sources, evidence and regions included.
async fn compare_statements_do_not_grow_with_rows(backend: Backend) {
    let counter = StatementCounter::default();
    let s = TestServer::start_with(&backend, Default::default(), |db| counter.install(db)).await;
    s.import(&fixture()).await;
    // 40 more towns under K2, each with a figure from its own report.
    let mut extra = Vec::new();
    for i in 0..40 {
        let code = format!("X{i:02}");
        extra.push(region(&code, "town", Some("K2"), Some(1000 + i)).to_string());
        extra.push(
            report(
                &format!("x-{i}"),
                "2023-01-02",
                &code,
                vec![o("visits", &code, i as f64, "2022-01-01", "2022-12-31")],
            )
            .to_string(),
        );
    }
    s.import(&extra.join("\n")).await;
    let mut counts = Vec::new();
    for (within, rows) in [("K1", 5), ("P", 46)] {
        counter.reset();
        let d = s
            .data(
                CMP,
                json!({"m": "visits", "w": within, "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31",
                       "bf": "2021-01-01", "bt": "2021-12-31", "pc": 100}),
            )
            .await;
        assert_eq!(d["compare"]["rows"].as_array().unwrap().len(), rows);
        counts.push(counter.get());
    }
    let name = backend.name();
    assert_eq!(counts[0], counts[1], "[{name}] statements for 5 and 46 rows");
    // metric, region, the towns, the window, the baseline, the total, the source reports, the
    // counted observations.
    assert!(counts[1] <= 8, "[{name}] {} statements", counts[1]);
    // Without `total` and `totalQualifier` the whole of `within` is not aggregated: one statement
    // fewer, and the rows (shares included, which divide by the sum of the rows) are the same.
    let vars = json!({"m": "visits", "w": "P", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"});
    let rows_only = "query($m: String!, $w: String!, $l: RegionLevel!, $f: Date!, $t: Date!) {
      compare(metric: $m, within: $w, level: $l, from: $f, to: $t) {
        mean rows { region { code } value rank share } } }";
    let with_total = rows_only.replace("mean rows", "mean total rows");
    counter.reset();
    let without = s.data(rows_only, vars.clone()).await;
    let fewer = counter.get();
    counter.reset();
    let with = s.data(&with_total, vars).await;
    assert_eq!(
        counter.get(),
        fewer + 1,
        "[{name}] statements with and without total"
    );
    assert_eq!(without["compare"]["rows"], with["compare"]["rows"], "[{name}]");
    assert_eq!(without["compare"]["mean"], with["compare"]["mean"], "[{name}]");
    assert!(with["compare"]["total"].is_number(), "[{name}] {with}");
    // aggregate: lookups, one statement, one batch of regions.
    counter.reset();
    let d = s
        .data(
            AGG,
            json!({"m": "visits", "w": "P", "l": "TOWN", "f": "2022-01-01", "t": "2022-12-31"}),
        )
        .await;
    assert_eq!(d["aggregate"].as_array().unwrap().len(), 45);
    assert!(counter.get() <= 5, "[{name}] {} statements", counter.get());
    s.stop().await;
}
