//! The hand-computed fixture of the aggregate tests, with observation numbers `oN` that their
//! comments use:
//!
//! ```text
//! P (province, 1 000 000)
//! ├── C (city)
//! │   ├── K1 (county, 300 000)
//! │   │   ├── T1 (town, 10 000) ── T1V1 (village)
//! │   │   ├── T2 (town, 20 000)
//! │   │   ├── T3 (town, population 0)
//! │   │   ├── T4 (town, 4 000)
//! │   │   └── T5 (town, no population, no data at all)
//! │   └── K2 (county, 200 000) ── T6 (town, 5 000)
//! └── K3 (county directly under the province: no city)
//!
//! visits (count, SUM), in import order; "prog" = program prog_a
//! R1  k1-2021      2022-01-15  o1 K1 2021 4000 · o2 T1 2021 1000 · o3 T2 2021 1500 · o4 T3 2021 600
//!                              · o4b T4 2021 0
//! R2  t1-jul       2022-08-01  o5 T1 2022-01-01..07-31 700            (year to date)
//! R3  t1-nov       2022-12-01  o6 T1 2022-01-01..11-30 1100           (year to date, revises o5)
//!                              o7 T1V1 2022-03 40
//! R4  t2-mar-a     2022-04-05  o8 T2 2022-03 300
//! R5  t2-mar-b     2022-04-10  o9 T2 2022-03 310                      (same coverage, later report)
//! R6  t2-apr       2022-05-02  o10 T2 2022-04 400 · o11 T2 2022-04-15..05-15 250 (spans two months)
//! R7  t3-a         2022-06-01  o12 T3 2022-05 600
//! R8  t3-b         2022-06-01  o13 T3 2022-05 620 (same day, imported later) · o14 T3 2022-06 340
//! R8b t4-sep       2022-10-01  o15 T4 2022-09 100 over
//! R9  k1-prog      2022-12-20  o16 K1 2022 50 prog · o17 T1 2022-06 20 prog
//! R10 k1-2022      2023-01-10  o18 K1 2022 5000                        (the county's own total)
//! R11 t2-two-years 2023-01-15  o19 T2 2021-01-01..2022-12-31 8888
//! R12 others-2022  2023-02-01  o20 T6 2022 700 · o21 K3 2022 300 approx
//! R13 p-2022       2023-03-01  o22 P 2022 100000
//!
//! staff (amount, LAST), one day each: T1 2022-12-31 12 (pub 2023-01-05) · T2 2022-12-31 30
//!   (pub 2023-01-07) · T3 2022-12-31 25 (pub 2023-01-07, imported later) · T4 2022-11-30 99 (pub 2023-02-01)
//! rate (ratio, MEAN): T1 2022 90 · T2 2022 80 nearly · T1V1 2022-06 50
//! qmix (count): at T6, two one-day figures per month of 2022 (values 1 and 2) with qualifiers per
//!   month; in October a whole-month 10 and an approx 5 on one of its days.
//! ```

use serde_json::{Value, json};

/// A region line; `population` only when given.
pub(super) fn region(code: &str, level: &str, parent: Option<&str>, population: Option<i64>) -> Value {
    let mut r = json!({"kind": "region", "code": code, "name": format!("区{code}"), "level": level,
                       "parent": parent});
    if let Some(p) = population {
        r["population"] = json!(p);
    }
    r
}

/// An observation `(metric, region, value, start, end)`.
pub(super) fn o(metric: &str, region: &str, value: f64, start: &str, end: &str) -> Value {
    json!({"metric": metric, "region": region, "value": value, "period_start": start, "period_end": end})
}

/// `obs` with `key` set to `value` (a qualifier, a program).
fn with(mut obs: Value, key: &str, value: &str) -> Value {
    obs[key] = json!(value);
    obs
}

/// A report line about `region`, titled after its id.
pub(super) fn report(id: &str, published: &str, region: &str, observations: Vec<Value>) -> Value {
    json!({"kind": "report", "external_id": id, "title": format!("报告 {id}"), "published_on": published,
           "region": region, "observations": observations})
}

/// The whole fixture as interchange lines: the tree, the metrics, the program and the reports above.
pub(super) fn fixture() -> String {
    let year = |m: &str, r: &str, v: f64, y: &str| o(m, r, v, &format!("{y}-01-01"), &format!("{y}-12-31"));
    let v = "visits";
    let mut lines = vec![
        region("P", "province", None, Some(1_000_000)),
        region("C", "city", Some("P"), None),
        region("K1", "county", Some("C"), Some(300_000)),
        region("T1", "town", Some("K1"), Some(10_000)),
        region("T1V1", "village", Some("T1"), None),
        region("T2", "town", Some("K1"), Some(20_000)),
        region("T3", "town", Some("K1"), Some(0)),
        region("T4", "town", Some("K1"), Some(4_000)),
        region("T5", "town", Some("K1"), None),
        region("K2", "county", Some("C"), Some(200_000)),
        region("T6", "town", Some("K2"), Some(5_000)),
        region("K3", "county", Some("P"), Some(50_000)),
        json!({"kind": "metric", "code": "visits", "name": "走访人次", "unit": "人次", "value_type": "count"}),
        json!({"kind": "metric", "code": "rate", "name": "办结率", "unit": "%", "value_type": "ratio"}),
        json!({"kind": "metric", "code": "staff", "name": "网格员", "unit": "人", "value_type": "amount",
               "aggregation": "last"}),
        json!({"kind": "metric", "code": "qmix", "name": "混合", "unit": "件", "value_type": "count"}),
        json!({"kind": "program", "code": "prog_a", "name": "四五行动", "region": "K1"}),
        report(
            "k1-2021",
            "2022-01-15",
            "K1",
            vec![
                year(v, "K1", 4000.0, "2021"),
                year(v, "T1", 1000.0, "2021"),
                year(v, "T2", 1500.0, "2021"),
                year(v, "T3", 600.0, "2021"),
                year(v, "T4", 0.0, "2021"),
            ],
        ),
        report(
            "t1-jul",
            "2022-08-01",
            "T1",
            vec![o(v, "T1", 700.0, "2022-01-01", "2022-07-31")],
        ),
        report(
            "t1-nov",
            "2022-12-01",
            "T1",
            vec![
                o(v, "T1", 1100.0, "2022-01-01", "2022-11-30"),
                o(v, "T1V1", 40.0, "2022-03-01", "2022-03-31"),
            ],
        ),
        report(
            "t2-mar-a",
            "2022-04-05",
            "T2",
            vec![o(v, "T2", 300.0, "2022-03-01", "2022-03-31")],
        ),
        report(
            "t2-mar-b",
            "2022-04-10",
            "T2",
            vec![o(v, "T2", 310.0, "2022-03-01", "2022-03-31")],
        ),
        report(
            "t2-apr",
            "2022-05-02",
            "T2",
            vec![
                o(v, "T2", 400.0, "2022-04-01", "2022-04-30"),
                o(v, "T2", 250.0, "2022-04-15", "2022-05-15"),
            ],
        ),
        report(
            "t3-a",
            "2022-06-01",
            "T3",
            vec![o(v, "T3", 600.0, "2022-05-01", "2022-05-31")],
        ),
        report(
            "t3-b",
            "2022-06-01",
            "T3",
            vec![
                o(v, "T3", 620.0, "2022-05-01", "2022-05-31"),
                o(v, "T3", 340.0, "2022-06-01", "2022-06-30"),
            ],
        ),
        report(
            "t4-sep",
            "2022-10-01",
            "T4",
            vec![with(
                o(v, "T4", 100.0, "2022-09-01", "2022-09-30"),
                "qualifier",
                "over",
            )],
        ),
        report(
            "k1-prog",
            "2022-12-20",
            "K1",
            vec![
                with(year(v, "K1", 50.0, "2022"), "program", "prog_a"),
                with(o(v, "T1", 20.0, "2022-06-01", "2022-06-30"), "program", "prog_a"),
            ],
        ),
        report("k1-2022", "2023-01-10", "K1", vec![year(v, "K1", 5000.0, "2022")]),
        report(
            "t2-two-years",
            "2023-01-15",
            "T2",
            vec![o(v, "T2", 8888.0, "2021-01-01", "2022-12-31")],
        ),
        report(
            "others-2022",
            "2023-02-01",
            "K2",
            vec![
                year(v, "T6", 700.0, "2022"),
                with(year(v, "K3", 300.0, "2022"), "qualifier", "approx"),
            ],
        ),
        report("p-2022", "2023-03-01", "P", vec![year(v, "P", 100000.0, "2022")]),
        report(
            "staff-1",
            "2023-01-05",
            "T1",
            vec![o("staff", "T1", 12.0, "2022-12-31", "2022-12-31")],
        ),
        report(
            "staff-2",
            "2023-01-07",
            "T2",
            vec![o("staff", "T2", 30.0, "2022-12-31", "2022-12-31")],
        ),
        report(
            "staff-3",
            "2023-01-07",
            "T3",
            vec![o("staff", "T3", 25.0, "2022-12-31", "2022-12-31")],
        ),
        report(
            "staff-4",
            "2023-02-01",
            "T4",
            vec![o("staff", "T4", 99.0, "2022-11-30", "2022-11-30")],
        ),
        report(
            "rate-2022",
            "2023-01-20",
            "K1",
            vec![
                year("rate", "T1", 90.0, "2022"),
                with(year("rate", "T2", 80.0, "2022"), "qualifier", "nearly"),
                o("rate", "T1V1", 50.0, "2022-06-01", "2022-06-30"),
            ],
        ),
        report("qmix", "2023-01-31", "T6", qmix()),
    ];
    lines.iter_mut().for_each(|l| *l = json!(l));
    lines.iter().map(Value::to_string).collect::<Vec<_>>().join("\n")
}

/// The qualifiers of the two one-day qmix figures of each month (October is special, see below).
const QMIX: [(&str, &str); 12] = [
    ("exact", "exact"),
    ("exact", "over"),
    ("over", "over"),
    ("exact", "nearly"),
    ("exact", "under"),
    ("nearly", "under"),
    ("over", "nearly"),
    ("over", "under"),
    ("exact", "approx"),
    ("", ""),
    ("nearly", "nearly"),
    ("approx", "approx"),
];

/// The qmix observations of the table above [`QMIX`], October's two special.
fn qmix() -> Vec<Value> {
    let mut obs = Vec::new();
    for (i, (q1, q2)) in QMIX.iter().enumerate() {
        let m = i + 1;
        if m == 10 {
            // A whole-month exact 10 supersedes an approx 5 on one of its days.
            obs.push(o("qmix", "T6", 10.0, "2022-10-01", "2022-10-31"));
            obs.push(with(
                o("qmix", "T6", 5.0, "2022-10-02", "2022-10-02"),
                "qualifier",
                "approx",
            ));
            continue;
        }
        let day1 = format!("2022-{m:02}-01");
        let day2 = format!("2022-{m:02}-02");
        obs.push(with(o("qmix", "T6", 1.0, &day1, &day1), "qualifier", q1));
        obs.push(with(o("qmix", "T6", 2.0, &day2, &day2), "qualifier", q2));
    }
    obs
}
