//! `aggregate` and `compare` over HTTP on a hand-computed fixture (`fixture.rs`, whose diagram numbers
//! the observations `oN` that the comments use): every rule of `api.md`'s aggregate section has a case
//! here that a wrong implementation fails. `compare` and the errors of both are in `compare.rs`.

mod compare;
mod fixture;
mod supersession;

use civicgraph_tests::{Backend, TestServer, backend_test};
use fixture::fixture;
use serde_json::{Value, json};

/// An `aggregate` query with every argument as a variable.
const AGG: &str =
    "query($m: String!, $w: String, $l: RegionLevel, $p: String, $bp: Boolean, $f: Date, $t: Date,
  $g: TimeGrain, $fn: Aggregation, $a: Date) {
  aggregate(metric: $m, within: $w, level: $l, program: $p, byProgram: $bp, from: $f, to: $t, grain: $g,
            fn: $fn, asOf: $a) {
    region { code } program { code } periodStart periodEnd value qualifier observations superseded } }";

/// A number as written in the expectations: integers without a fraction, others to 4 places.
fn num(v: &Value) -> String {
    match v.as_f64() {
        None => "null".to_owned(),
        Some(f) if f.fract() == 0.0 => format!("{}", f as i64),
        Some(f) => format!("{f:.4}"),
    }
}

/// The `code` of a region or program, `-` for none.
fn code(v: &Value) -> &str {
    v["code"].as_str().unwrap_or("-")
}

/// `aggregate` rows as `REGION PROGRAM START..END VALUE QUALIFIER counted/superseded`.
fn agg_rows(d: &Value) -> Vec<String> {
    d["aggregate"]
        .as_array()
        .expect("rows")
        .iter()
        .map(|r| {
            format!(
                "{} {} {}..{} {} {} {}/{}",
                code(&r["region"]),
                code(&r["program"]),
                r["periodStart"].as_str().unwrap_or("null"),
                r["periodEnd"].as_str().unwrap_or("null"),
                num(&r["value"]),
                r["qualifier"].as_str().unwrap(),
                r["observations"],
                r["superseded"]
            )
        })
        .collect()
}

/// The year 2022 as `from` and `to`.
const Y22: (&str, &str) = ("2022-01-01", "2022-12-31");

/// Checks `aggregate` with `vars` (plus `m`, default `visits`) against `expected` rows.
async fn check_agg(s: &TestServer, mut vars: Value, expected: &[&str]) {
    if vars.get("m").is_none() {
        vars["m"] = json!("visits");
    }
    let d = s.data(AGG, vars.clone()).await;
    assert_eq!(agg_rows(&d), expected, "[{}] aggregate {vars}", s.backend.name());
}

/// A server on `backend` with the fixture imported.
async fn started(backend: &Backend) -> TestServer {
    let s = TestServer::start(backend).await;
    s.import(&fixture()).await;
    s
}

backend_test!(supersession_by_town);
/// Rules 1–4 on a town level: year-to-date revisions, village figures under a town figure, same-coverage
/// duplicates (later report; same day: imported later), programs apart, the window rule.
async fn supersession_by_town(backend: Backend) {
    let s = started(&backend).await;
    let (f, t) = Y22;
    // T1: o6 (Jan–Nov) supersedes o5 (Jan–Jul, wider period) and o7 (T1V1 in March, a village
    //     under T1); o17 is prog_a and no prog_a figure covers it at T1 or below (o16 is at K1,
    //     above the group level): 1100 + 20 = 1120, 2 counted, 2 superseded.
    // T2: o9 supersedes o8 (same coverage, later report); o10 and o11 overlap without one containing
    //     the other: 310 + 400 + 250 = 960. o19 (two years) is outside the window and supersedes nothing.
    // T3: o13 supersedes o12 (same coverage, same day, imported later): 620 + 340 = 960.
    // T4: o15 alone, OVER. K1's own figures are above the level; T5 has nothing.
    let by_town = [
        "T1 - 2022-01-01..2022-11-30 1120 EXACT 2/2",
        "T2 - 2022-03-01..2022-05-15 960 EXACT 3/1",
        "T3 - 2022-05-01..2022-06-30 960 EXACT 2/1",
        "T4 - 2022-09-01..2022-09-30 100 OVER 1/0",
    ];
    check_agg(&s, json!({"w": "K1", "l": "TOWN", "f": f, "t": t}), &by_town).await;
    // By village the town's o6 is above the group, so the village figure counts.
    check_agg(
        &s,
        json!({"w": "T1", "l": "VILLAGE", "f": f, "t": t}),
        &["T1V1 - 2022-03-01..2022-03-31 40 EXACT 1/0"],
    )
    .await;
    // byProgram: T1's no-program and prog_a figures are separate groups (no program first).
    check_agg(
        &s,
        json!({"w": "K1", "l": "TOWN", "bp": true, "f": f, "t": t}),
        &[
            "T1 - 2022-01-01..2022-11-30 1100 EXACT 1/2",
            "T1 prog_a 2022-06-01..2022-06-30 20 EXACT 1/0",
            "T2 - 2022-03-01..2022-05-15 960 EXACT 3/1",
            "T3 - 2022-05-01..2022-06-30 960 EXACT 2/1",
            "T4 - 2022-09-01..2022-09-30 100 OVER 1/0",
        ],
    )
    .await;
    // program: only prog_a figures; by town o17 counts.
    check_agg(
        &s,
        json!({"w": "K1", "l": "TOWN", "p": "prog_a", "f": f, "t": t}),
        &["T1 prog_a 2022-06-01..2022-06-30 20 EXACT 1/0"],
    )
    .await;
    // Window 2021–2022: o19 (T2, both years) is now inside and supersedes o3, o8, o9, o10, o11.
    // T1: o2 1000 + o6 1100 + o17 20; T3: o4 600 + o13 620 + o14 340; T4: o4b 0 + o15 100 (OVER).
    check_agg(
        &s,
        json!({"w": "K1", "l": "TOWN", "f": "2021-01-01", "t": t}),
        &[
            "T1 - 2021-01-01..2022-11-30 2120 EXACT 3/2",
            "T2 - 2021-01-01..2022-12-31 8888 EXACT 1/5",
            "T3 - 2021-01-01..2022-06-30 1560 EXACT 3/1",
            "T4 - 2021-01-01..2022-09-30 100 OVER 2/0",
        ],
    )
    .await;
    s.stop().await;
}

backend_test!(supersession_by_county_and_above);
/// Rules 3–4 higher up: a county's own total wins over its towns, a province's over everything, levels
/// skipped, regions above the level left out.
async fn supersession_by_county_and_above(backend: Backend) {
    let s = started(&backend).await;
    let (f, t) = Y22;
    // K1: o18 (K1, 2022, no program) supersedes o5–o15 (11 figures, among them T4's OVER), and
    //     o16 (K1, prog_a) supersedes o17; o16 and o18 are different programs: 5000 + 50 = 5050.
    // K2: o20 700.
    let k1 = "K1 - 2022-01-01..2022-12-31 5050 EXACT 2/12";
    let k2 = "K2 - 2022-01-01..2022-12-31 700 EXACT 1/0";
    check_agg(&s, json!({"w": "C", "l": "COUNTY", "f": f, "t": t}), &[k1, k2]).await;
    // Without within, K3 (under the province directly) is a county too.
    check_agg(
        &s,
        json!({"l": "COUNTY", "f": f, "t": t}),
        &[k1, k2, "K3 - 2022-01-01..2022-12-31 300 APPROX 1/0"],
    )
    .await;
    // By city: K3 has no city and P is above the level, both left out: 5050 + 700 = 5750.
    check_agg(
        &s,
        json!({"w": "P", "l": "CITY", "f": f, "t": t}),
        &["C - 2022-01-01..2022-12-31 5750 EXACT 3/12"],
    )
    .await;
    // The whole province: o22 supersedes every no-program figure (14), o16 supersedes o17:
    // 100000 + 50.
    check_agg(
        &s,
        json!({"w": "P", "f": f, "t": t}),
        &["P - 2022-01-01..2022-12-31 100050 EXACT 2/15"],
    )
    .await;
    // As of 2023-02-15, before the province's report: o18 + o16 + o20 + o21 (approx).
    check_agg(
        &s,
        json!({"w": "P", "f": f, "t": t, "a": "2023-02-15"}),
        &["P - 2022-01-01..2022-12-31 6050 APPROX 4/12"],
    )
    .await;
    // prog_a only, by county: o16 supersedes o17.
    check_agg(
        &s,
        json!({"w": "K1", "l": "COUNTY", "p": "prog_a", "f": f, "t": t}),
        &["K1 prog_a 2022-01-01..2022-12-31 50 EXACT 1/1"],
    )
    .await;
    // No window: o1 supersedes the 2021 towns (4), o18 the 2022 figures (11), o16 o17; o19 (two years)
    // is contained in nothing and counts next to them: 4000 + 5000 + 8888 + 50.
    check_agg(
        &s,
        json!({"w": "K1", "l": "COUNTY"}),
        &["K1 - 2021-01-01..2022-12-31 17938 EXACT 4/16"],
    )
    .await;
    s.stop().await;
}

backend_test!(time_buckets);
/// Rule 3 with a grain: an observation spanning two buckets is left out (and supersedes nothing).
async fn time_buckets(backend: Backend) {
    let s = started(&backend).await;
    let (f, t) = Y22;
    // Monthly in T1: o5 and o6 span months, so the village's March and prog_a's June count.
    check_agg(
        &s,
        json!({"w": "T1", "g": "MONTH", "f": f, "t": t}),
        &[
            "T1 - 2022-03-01..2022-03-31 40 EXACT 1/0",
            "T1 - 2022-06-01..2022-06-30 20 EXACT 1/0",
        ],
    )
    .await;
    // Monthly in T2: o11 (April 15 – May 15) is left out.
    check_agg(
        &s,
        json!({"w": "T2", "g": "MONTH", "f": f, "t": t}),
        &[
            "T2 - 2022-03-01..2022-03-31 310 EXACT 1/1",
            "T2 - 2022-04-01..2022-04-30 400 EXACT 1/0",
        ],
    )
    .await;
    // Yearly in T1 without a window: 2021 is o2; in 2022, o6 supersedes o5 and o7.
    check_agg(
        &s,
        json!({"w": "T1", "g": "YEAR"}),
        &[
            "T1 - 2021-01-01..2021-12-31 1000 EXACT 1/0",
            "T1 - 2022-01-01..2022-12-31 1120 EXACT 2/2",
        ],
    )
    .await;
    // Quarterly by town: o11 is inside Q2 this time.
    check_agg(
        &s,
        json!({"w": "K1", "l": "TOWN", "g": "QUARTER", "f": f, "t": t}),
        &[
            "T1 - 2022-01-01..2022-03-31 40 EXACT 1/0",
            "T1 - 2022-04-01..2022-06-30 20 EXACT 1/0",
            "T2 - 2022-01-01..2022-03-31 310 EXACT 1/1",
            "T2 - 2022-04-01..2022-06-30 650 EXACT 2/0",
            "T3 - 2022-04-01..2022-06-30 960 EXACT 2/1",
            "T4 - 2022-07-01..2022-09-30 100 OVER 1/0",
        ],
    )
    .await;
    s.stop().await;
}

backend_test!(as_of);
/// Rule 1's `asOf`: the data as it stood then, a revised figure as first reported.
async fn as_of(backend: Backend) {
    let s = started(&backend).await;
    let (f, t) = Y22;
    check_agg(
        &s,
        json!({"w": "T1", "l": "TOWN", "f": f, "t": t, "a": "2022-09-01"}),
        &["T1 - 2022-01-01..2022-07-31 700 EXACT 1/0"],
    )
    .await;
    check_agg(
        &s,
        json!({"w": "T2", "l": "TOWN", "f": "2022-03-01", "t": "2022-03-31", "a": "2022-04-07"}),
        &["T2 - 2022-03-01..2022-03-31 300 EXACT 1/0"],
    )
    .await;
    // Published on the asOf day counts.
    check_agg(
        &s,
        json!({"w": "T2", "l": "TOWN", "f": "2022-03-01", "t": "2022-03-31", "a": "2022-04-10"}),
        &["T2 - 2022-03-01..2022-03-31 310 EXACT 1/1"],
    )
    .await;
    check_agg(
        &s,
        json!({"w": "K1", "l": "TOWN", "f": f, "t": t, "a": "2022-01-01"}),
        &[],
    )
    .await;
    s.stop().await;
}

backend_test!(functions);
/// Rule 5: every function, LAST's tie-breaks, the default of the metric, SUM of a ratio refused.
async fn functions(backend: Backend) {
    let s = started(&backend).await;
    let (f, t) = Y22;
    // Counted per town (see supersession_by_town): T1 {o6 1100 (end 11-30), o17 20 (end 06-30)},
    // T2 {o9 310 (03-31), o10 400 (04-30), o11 250 (05-15)}, T3 {o13 620 (05-31), o14 340 (06-30)},
    // T4 {o15 100 over}.
    let cases: [(&str, [&str; 4]); 5] = [
        ("MAX", ["1100 EXACT", "400 EXACT", "620 EXACT", "100 OVER"]),
        ("MIN", ["20 EXACT", "250 EXACT", "340 EXACT", "100 OVER"]),
        ("MEAN", ["560 EXACT", "320 EXACT", "480 EXACT", "100 OVER"]),
        ("LAST", ["1100 EXACT", "250 EXACT", "340 EXACT", "100 OVER"]),
        ("COUNT", ["2 EXACT", "3 EXACT", "2 EXACT", "1 EXACT"]),
    ];
    for (function, expected) in cases {
        let d = s
            .data(
                AGG,
                json!({"m": "visits", "w": "K1", "l": "TOWN", "f": f, "t": t, "fn": function}),
            )
            .await;
        let got: Vec<String> = agg_rows(&d)
            .iter()
            .map(|r| r.split(' ').skip(3).take(2).collect::<Vec<_>>().join(" "))
            .collect();
        assert_eq!(got, expected, "[{}] fn {function}", s.backend.name());
    }
    // staff defaults to LAST: T1, T2, T3 end on 12-31 (T4's 99 ends earlier although published last);
    // of those T2 and T3 were published last, on the same day; T3 was imported later: 25.
    check_agg(
        &s,
        json!({"m": "staff", "w": "K1", "f": f, "t": t}),
        &["K1 - 2022-11-30..2022-12-31 25 EXACT 4/0"],
    )
    .await;
    // Without within and level, the one group has no region.
    check_agg(
        &s,
        json!({"m": "staff", "f": f, "t": t}),
        &["- - 2022-11-30..2022-12-31 25 EXACT 4/0"],
    )
    .await;
    // rate defaults to MEAN: T1V1's June is superseded by T1's year; (90 + 80 nearly) / 2.
    check_agg(
        &s,
        json!({"m": "rate", "w": "K1", "l": "COUNTY", "f": f, "t": t}),
        &["K1 - 2022-01-01..2022-12-31 85 UNDER 2/1"],
    )
    .await;
    for vars in [
        json!({"m": "rate", "w": "K1", "fn": "SUM"}),
        json!({"m": "rate", "fn": "SUM", "l": "TOWN"}),
    ] {
        let (code, message) = s.error_code(AGG, vars).await;
        assert_eq!(code, "BAD_INPUT", "[{}] {message}", s.backend.name());
        assert!(message.contains("fn"), "{message}");
    }
    s.stop().await;
}

backend_test!(qualifiers);
/// Rule 6: every combination of qualifiers, superseded inputs not counting, COUNT always EXACT, LAST the
/// qualifier of the figure it answers.
async fn qualifiers(backend: Backend) {
    let s = started(&backend).await;
    let (f, t) = Y22;
    let expected = [
        "EXACT",  // exact + exact
        "OVER",   // exact + over
        "OVER",   // over + over
        "UNDER",  // exact + nearly
        "UNDER",  // exact + under
        "UNDER",  // nearly + under
        "APPROX", // over + nearly
        "APPROX", // over + under
        "APPROX", // exact + approx
        "EXACT",  // exact whole month; the approx day inside it is superseded
        "UNDER",  // nearly + nearly
        "APPROX", // approx + approx
    ];
    let d = s
        .data(AGG, json!({"m": "qmix", "w": "T6", "g": "MONTH", "f": f, "t": t}))
        .await;
    let rows = agg_rows(&d);
    assert_eq!(rows.len(), 12, "[{}] {rows:?}", s.backend.name());
    for (m, (row, q)) in rows.iter().zip(expected).enumerate() {
        let (value, counts) = if m == 9 { ("10", "1/1") } else { ("3", "2/0") };
        let parts: Vec<&str> = row.split(' ').collect();
        assert_eq!(
            &parts[3..],
            [value, q, counts],
            "[{}] month {}: {row}",
            s.backend.name(),
            m + 1
        );
    }
    let d = s
        .data(
            AGG,
            json!({"m": "qmix", "w": "T6", "g": "MONTH", "f": f, "t": t, "fn": "COUNT"}),
        )
        .await;
    assert!(agg_rows(&d).iter().all(|r| r.contains(" EXACT ")), "{d}");
    // LAST answers one figure, the later day's (October: the whole month), with its own qualifier.
    let last = [
        "EXACT", "OVER", "OVER", "NEARLY", "UNDER", "UNDER", "NEARLY", "UNDER", "APPROX", "EXACT", "NEARLY",
        "APPROX",
    ];
    let d = s
        .data(
            AGG,
            json!({"m": "qmix", "w": "T6", "g": "MONTH", "f": f, "t": t, "fn": "LAST"}),
        )
        .await;
    let rows = agg_rows(&d);
    assert_eq!(rows.len(), 12, "[{}] {rows:?}", s.backend.name());
    for (m, (row, q)) in rows.iter().zip(last).enumerate() {
        let (value, counts) = if m == 9 { ("10", "1/1") } else { ("2", "2/0") };
        let parts: Vec<&str> = row.split(' ').collect();
        assert_eq!(
            &parts[3..],
            [value, q, counts],
            "[{}] LAST, month {}: {row}",
            s.backend.name(),
            m + 1
        );
    }
    // The year: 11 × 3 + 10 from 23 counted figures, one superseded; mixed qualifiers: APPROX.
    check_agg(
        &s,
        json!({"m": "qmix", "w": "T6", "l": "TOWN", "g": "YEAR"}),
        &["T6 - 2022-01-01..2022-12-31 43 APPROX 23/1"],
    )
    .await;
    s.stop().await;
}
