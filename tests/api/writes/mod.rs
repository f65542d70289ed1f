//! The write API over HTTP: tokens and roles, `postReport` statuses, all-or-nothing refusals,
//! concurrent posts, upserts, deletes, and tokens stored only as hashes; `reportPosted` subscriptions
//! are in `subscriptions.rs`.

mod subscriptions;

use civicgraph_tests::write_helpers::*;
use civicgraph_tests::{
    Backend, Config, Role, TestServer, backend_test, hash_token, import_lines, list_tokens, revoke_token,
};
use serde_json::{Value, json};

/// Posts a report to `s` with `token`; answers the whole response.
async fn post(s: &TestServer, token: &str, input: &Value) -> Value {
    post_at(&s.client, &s.url, token, input).await
}

backend_test!(writes_need_a_token_of_the_right_role);
async fn writes_need_a_token_of_the_right_role(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let importer = token(&s.db, "importer", Role::Importer).await;
        let admin = token(&s.db, "admin", Role::Admin).await;
        let input = report("r1", "报告", "T1", 3);
        let vars = json!({ "r": input });
        let name = backend.name();

        // No token, a malformed one, an unknown one: UNAUTHENTICATED, and nothing is written.
        for t in [None, Some("not-a-token"), Some("cg_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA")] {
            let resp = s.graphql_as(POST, vars.clone(), t).await;
            assert_eq!(code(&resp), "UNAUTHENTICATED", "[{name}] {t:?}: {resp}");
        }
        let resp = s
            .graphql_as(
                "mutation { upsertMetrics(metrics: [{code: \"m\", name: \"m\", unit: \"件\", valueType: COUNT}]) { created } }",
                json!({}),
                None,
            )
            .await;
        assert_eq!(code(&resp), "UNAUTHENTICATED", "[{name}]");
        assert_eq!(count(&s.db, "report").await, 0, "[{name}]");
        assert_eq!(count(&s.db, "metric").await, 2, "[{name}]");

        // Reads stay open.
        let d = s.data("{ reports { totalCount } }", json!({})).await;
        assert_eq!(d["reports"]["totalCount"], 0);

        // An importer posts; an admin may too.
        assert_eq!(status(&post(&s, &importer, &input).await), "CREATED", "[{name}]");
        let other = report("r2", "报告二", "T2", 1);
        assert_eq!(status(&post(&s, &admin, &other).await), "CREATED", "[{name}]");

        // Only an admin deletes.
        let delete = "mutation($id: String!) { deleteReport(externalId: $id) }";
        let resp = s.graphql_as(delete, json!({"id": "r1"}), Some(&importer)).await;
        assert_eq!(code(&resp), "FORBIDDEN", "[{name}] {resp}");
        assert_eq!(count(&s.db, "report").await, 2, "[{name}]");
        let resp = s.graphql_as(delete, json!({"id": "r1"}), None).await;
        assert_eq!(code(&resp), "UNAUTHENTICATED", "[{name}]");
        let resp = s.graphql_as(delete, json!({"id": "r1"}), Some(&admin)).await;
        assert_eq!(resp["data"]["deleteReport"], true, "[{name}] {resp}");
        let resp = s.graphql_as(delete, json!({"id": "r1"}), Some(&admin)).await;
        assert_eq!(resp["data"]["deleteReport"], false, "[{name}] {resp}");
        assert_eq!(count(&s.db, "report").await, 1, "[{name}]");
        assert_eq!(count(&s.db, "observation").await, 1, "[{name}]");

        // A revoked token is refused like an unknown one.
        assert!(revoke_token(&s.db, "importer").await.unwrap());
        let resp = post(&s, &importer, &input).await;
        assert_eq!(code(&resp), "UNAUTHENTICATED", "[{name}]");
        assert_eq!(count(&s.db, "report").await, 1, "[{name}]");
        s.stop().await;
    })
    .await;
}

backend_test!(a_private_server_needs_a_token_for_reads);
async fn a_private_server_needs_a_token_for_reads(backend: Backend) {
    bounded(120, async {
        let config = Config {
            private: true,
            ..Config::default()
        };
        let s = TestServer::start_with(&backend, config, |_| {}).await;
        s.import(&tree()).await;
        let importer = token(&s.db, "reader", Role::Importer).await;
        let q = "{ regions { totalCount } }";
        let resp = s
            .client
            .post(format!("{}/graphql", s.url))
            .json(&json!({ "query": q }))
            .send()
            .await
            .unwrap();
        assert_eq!(resp.status(), 401, "[{}]", backend.name());
        let body: Value = resp.json().await.unwrap();
        assert_eq!(code(&body), "UNAUTHENTICATED");
        let resp = s.graphql_as(q, json!({}), Some("cg_wrong")).await;
        assert_eq!(code(&resp), "UNAUTHENTICATED");
        let resp = s.graphql_as(q, json!({}), Some(&importer)).await;
        assert_eq!(resp["data"]["regions"]["totalCount"], 11, "{resp}");
        let health = s.client.get(format!("{}/healthz", s.url)).send().await.unwrap();
        assert_eq!(health.status(), 200);
        s.stop().await;
    })
    .await;
}

backend_test!(posts_are_created_unchanged_or_replaced);
async fn posts_are_created_unchanged_or_replaced(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        let name = backend.name();
        let first = report("daily-1", "初版", "T1", 3);

        let resp = post(&s, &t, &first).await;
        assert_eq!(status(&resp), "CREATED", "[{name}]");
        let stored = &resp["data"]["postReport"]["report"];
        assert_eq!(stored["externalId"], "daily-1");
        assert_eq!(stored["region"]["code"], "T1");
        assert_eq!(stored["observations"]["totalCount"], 3);

        assert_eq!(status(&post(&s, &t, &first).await), "UNCHANGED", "[{name}]");
        // Defaults written out are the same content.
        let mut explicit = first.clone();
        for o in explicit["observations"].as_array_mut().unwrap() {
            o["qualifier"] = json!("EXACT");
            o["region"] = json!("T1");
            o["periodEnd"] = json!("2022-08-20");
        }
        assert_eq!(status(&post(&s, &t, &explicit).await), "UNCHANGED", "[{name}]");

        let second = report("daily-1", "修订版", "T1", 2);
        let resp = post(&s, &t, &second).await;
        assert_eq!(status(&resp), "REPLACED", "[{name}]");
        assert_eq!(resp["data"]["postReport"]["report"]["title"], "修订版");
        assert_eq!(count(&s.db, "report").await, 1, "[{name}]");
        assert_eq!(count(&s.db, "observation").await, 2, "[{name}]");

        // What was posted reads back with every field.
        let d = s
            .data(
                r#"{ report(externalId: "daily-1") { title source authors publishedOn region { code }
                     observations { edges { node { value qualifier periodStart periodEnd quote
                       metric { code } region { code } } } } } }"#,
                json!({}),
            )
            .await;
        let r = &d["report"];
        assert_eq!(r["source"], "测试日报");
        assert_eq!(r["authors"], json!(["记者"]));
        let o = &r["observations"]["edges"][1]["node"];
        assert_eq!(o["value"], 2.0);
        assert_eq!(o["qualifier"], "EXACT");
        assert_eq!(o["periodStart"], "2022-01-01");
        assert_eq!(o["periodEnd"], "2022-08-20");
        assert_eq!(o["quote"], "第2项");
        assert_eq!(o["region"]["code"], "T1");

        // The same report through the bulk importer is unchanged: one identity, one hash.
        let summary = import_lines(
            &s.db,
            Default::default(),
            [report_line("daily-1", "修订版", "T1", 2)],
        )
        .await
        .unwrap();
        assert_eq!(summary.reports.unchanged, 1, "[{name}] {summary:?}");
        s.stop().await;
    })
    .await;
}

backend_test!(a_refused_post_writes_nothing);
async fn a_refused_post_writes_nothing(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        let name = backend.name();

        let mut bad = report("bad-1", "坏", "T1", 3);
        bad["observations"][2]["metric"] = json!("no_such_metric");
        let resp = post(&s, &t, &bad).await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        let err = &resp["errors"][0];
        assert_eq!(err["extensions"]["field"], "observations[2].metric", "{resp}");
        assert!(
            err["message"].as_str().unwrap().contains("no_such_metric"),
            "{resp}"
        );
        assert_eq!(counts(&s.db).await[3..], [0, 0], "[{name}]");

        // Every field at fault is named.
        let mut bad = report("bad-2", "坏", "T1", 3);
        bad["observations"][0]["value"] = json!(-1);
        bad["observations"][1]["region"] = json!("NOWHERE");
        bad["observations"][2]["periodStart"] = json!("2023-01-01");
        let resp = post(&s, &t, &bad).await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        let fields: Vec<&str> = resp["errors"][0]["extensions"]["errors"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| e["field"].as_str().unwrap())
            .collect();
        assert_eq!(
            fields,
            [
                "observations[0].value",
                "observations[1].region",
                "observations[2].periodStart"
            ],
            "[{name}]"
        );
        let mut bad = report("", "坏", "T1", 0);
        bad["region"] = json!("NOWHERE");
        let resp = post(&s, &t, &bad).await;
        let fields = resp["errors"][0]["extensions"]["errors"].to_string();
        assert!(
            fields.contains("externalId") && fields.contains("\"region\""),
            "{resp}"
        );
        // A value the schema itself refuses has a code too.
        let mut bad = report("bad-3", "坏", "T1", 1);
        bad["publishedOn"] = json!("2022-02-30");
        let resp = post(&s, &t, &bad).await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        assert_eq!(counts(&s.db).await[3..], [0, 0], "[{name}]");

        // A refused replacement leaves the stored version as it was.
        assert_eq!(
            status(&post(&s, &t, &report("keep", "原版", "T1", 4)).await),
            "CREATED"
        );
        let mut bad = report("keep", "新版", "T1", 5);
        bad["observations"][4]["metric"] = json!("rate");
        bad["observations"][4]["value"] = json!(250);
        let resp = post(&s, &t, &bad).await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "observations[4].value");
        let d = s
            .data(
                r#"{ report(externalId: "keep") { title observations { totalCount } } }"#,
                json!({}),
            )
            .await;
        assert_eq!(d["report"]["title"], "原版", "[{name}]");
        assert_eq!(d["report"]["observations"]["totalCount"], 4, "[{name}]");
        assert_eq!(counts(&s.db).await[3..], [1, 4], "[{name}]");
        s.stop().await;
    })
    .await;
}

backend_test!(concurrent_posts_of_one_report_make_one_report);
async fn concurrent_posts_of_one_report_make_one_report(backend: Backend) {
    bounded(180, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        let name = backend.name();

        // 16 identical posts of a new report: one CREATED, fifteen UNCHANGED.
        let input = report("same", "同一份", "T1", 10);
        let posts = (0..16).map(|_| post(&s, &t, &input));
        let statuses: Vec<String> = futures::future::join_all(posts)
            .await
            .iter()
            .map(status)
            .collect();
        let created = statuses.iter().filter(|s| *s == "CREATED").count();
        let unchanged = statuses.iter().filter(|s| *s == "UNCHANGED").count();
        assert_eq!((created, unchanged), (1, 15), "[{name}] {statuses:?}");
        assert_eq!(counts(&s.db).await[3..], [1, 10], "[{name}]");

        // 16 posts of a new report in two versions: one CREATED, the rest UNCHANGED or REPLACED,
        // and what is stored is one whole version.
        let a = report("two", "甲版", "T1", 3);
        let b = report("two", "乙版", "T2", 7);
        let posts = (0..16).map(|i| post(&s, &t, if i % 2 == 0 { &a } else { &b }));
        let statuses: Vec<String> = futures::future::join_all(posts)
            .await
            .iter()
            .map(status)
            .collect();
        assert_eq!(
            statuses.iter().filter(|s| *s == "CREATED").count(),
            1,
            "[{name}] {statuses:?}"
        );
        assert!(
            statuses
                .iter()
                .all(|s| ["CREATED", "UNCHANGED", "REPLACED"].contains(&s.as_str()))
        );
        let d = s
            .data(
                r#"{ report(externalId: "two") { title region { code } observations { totalCount } } }"#,
                json!({}),
            )
            .await;
        let expected = if d["report"]["title"] == "甲版" {
            (3, "T1")
        } else {
            (7, "T2")
        };
        assert_eq!(
            d["report"]["observations"]["totalCount"], expected.0,
            "[{name}] {d}"
        );
        assert_eq!(d["report"]["region"]["code"], expected.1, "[{name}] {d}");
        assert_eq!(counts(&s.db).await[3..], [2, 10 + expected.0], "[{name}]");

        // Concurrent posts of different reports, every third invalid: each gets its own answer,
        // and only the valid ones are written.
        let inputs: Vec<Value> = (0..24)
            .map(|i| {
                let mut r = report(
                    &format!("many-{i}"),
                    "多份",
                    ["T1", "T2V1", "K2"][i % 3],
                    1 + i % 4,
                );
                if i % 3 == 2 {
                    r["observations"][0]["metric"] = json!("nope");
                }
                r
            })
            .collect();
        let answers = futures::future::join_all(inputs.iter().map(|r| post(&s, &t, r))).await;
        for (i, resp) in answers.iter().enumerate() {
            if i % 3 == 2 {
                assert_eq!(code(resp), "BAD_INPUT", "[{name}] {i}: {resp}");
                assert_eq!(resp["errors"][0]["extensions"]["field"], "observations[0].metric");
            } else {
                assert_eq!(status(resp), "CREATED", "[{name}] {i}");
                assert_eq!(
                    resp["data"]["postReport"]["report"]["externalId"],
                    format!("many-{i}")
                );
            }
        }
        let written: i64 = (0..24).filter(|i| i % 3 != 2).map(|i| 1 + i % 4).sum();
        assert_eq!(
            counts(&s.db).await[3..],
            [2 + 16, 10 + expected.0 + written],
            "[{name}]"
        );
        s.stop().await;
    })
    .await;
}

backend_test!(upserts_are_all_or_nothing_and_name_the_field);
async fn upserts_are_all_or_nothing_and_name_the_field(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let t = token(&s.db, "importer", Role::Importer).await;
        let name = backend.name();
        let regions = "mutation($r: [RegionInput!]!) { upsertRegions(regions: $r) { created updated unchanged \
                       regions { code level parent { code } ancestors { code } } } }";

        // A new town under K2 with a village under it (an earlier item), and a renamed city.
        let input = json!([
            {"code": "T3", "name": "镇三", "level": "TOWN", "parent": "K2", "population": 1200},
            {"code": "T3V1", "name": "村三一", "level": "VILLAGE", "parent": "T3", "aliases": ["三一村"]},
            {"code": "C2", "name": "市二（新）", "level": "CITY", "parent": "P"},
        ]);
        let resp = s.graphql_as(regions, json!({"r": input}), Some(&t)).await;
        let p = &resp["data"]["upsertRegions"];
        assert_eq!((p["created"].as_i64(), p["updated"].as_i64()), (Some(2), Some(1)), "[{name}] {resp}");
        assert_eq!(p["regions"][1]["code"], "T3V1");
        assert_eq!(p["regions"][1]["ancestors"], json!([{"code":"P"},{"code":"C2"},{"code":"K2"},{"code":"T3"}]));
        let resp = s.graphql_as(regions, json!({"r": input}), Some(&t)).await;
        assert_eq!(resp["data"]["upsertRegions"]["unchanged"], 3, "[{name}] {resp}");
        let d = s.data(r#"{ regions(within: "K2") { totalCount } }"#, json!({})).await;
        assert_eq!(d["regions"]["totalCount"], 3, "[{name}]");

        // Two upserts in one mutation: the second's answer reads what the second wrote, not rows the
        // first one's answer read (a mutation's loader keeps nothing).
        let twice = "mutation($a: [RegionInput!]!, $b: [RegionInput!]!) { \
                     a: upsertRegions(regions: $a) { regions { parent { name } } } \
                     b: upsertRegions(regions: $b) { regions { parent { name } } } }";
        let t3 = json!({"code": "T3", "name": "镇三", "level": "TOWN", "parent": "K2", "population": 1200});
        let k2 = json!({"code": "K2", "name": "县二（改）", "level": "COUNTY", "parent": "C2"});
        let resp = s
            .graphql_as(twice, json!({"a": [t3.clone()], "b": [k2, t3]}), Some(&t))
            .await;
        assert_eq!(resp["data"]["a"]["regions"][0]["parent"]["name"], "县二", "[{name}] {resp}");
        assert_eq!(resp["data"]["b"]["regions"][1]["parent"]["name"], "县二（改）", "[{name}] {resp}");

        // One bad item and nothing of the call is written.
        let before = counts(&s.db).await;
        let input = json!([
            {"code": "T4", "name": "镇四", "level": "TOWN", "parent": "K2"},
            {"code": "T4V1", "name": "村", "level": "VILLAGE", "parent": "T4"},
            {"code": "T4V2", "name": "村", "level": "VILLAGE", "parent": "NOWHERE"},
            {"code": "T4V3", "name": "村", "level": "TOWN", "parent": "T4"},
        ]);
        let resp = s.graphql_as(regions, json!({"r": input}), Some(&t)).await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "regions[2].parent", "{resp}");
        let message = resp["errors"][0]["message"].as_str().unwrap();
        assert!(message.contains("regions[3].level"), "{message}");
        assert_eq!(counts(&s.db).await, before, "[{name}]");

        // Metrics: a bad code is named; a value type that observations pin is a CONFLICT.
        let metrics = "mutation($m: [MetricInput!]!) { upsertMetrics(metrics: $m) { created updated unchanged \
                       metrics { code valueType aggregation } } }";
        let resp = s
            .graphql_as(
                metrics,
                json!({"m": [{"code": "cases", "name": "案件", "unit": "件", "valueType": "COUNT"},
                              {"code": "Bad-Code", "name": "x", "unit": "件", "valueType": "COUNT"}]}),
                Some(&t),
            )
            .await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "metrics[1].code");
        assert_eq!(count(&s.db, "metric").await, 2);
        let resp = s
            .graphql_as(
                metrics,
                json!({"m": [{"code": "cases", "name": "案件", "unit": "件", "valueType": "COUNT"}]}),
                Some(&t),
            )
            .await;
        assert_eq!(resp["data"]["upsertMetrics"]["metrics"][0]["aggregation"], "SUM", "{resp}");
        assert_eq!(status(&post(&s, &t, &report("r", "报告", "T1", 1)).await), "CREATED");
        let resp = s
            .graphql_as(
                metrics,
                json!({"m": [{"code": "visits", "name": "走访人次", "unit": "%", "valueType": "RATIO"}]}),
                Some(&t),
            )
            .await;
        assert_eq!(code(&resp), "CONFLICT", "[{name}] {resp}");
        assert_eq!(resp["errors"][0]["extensions"]["field"], "metrics[0].valueType");

        // Programs: the region must exist; dates are ordered.
        let programs = "mutation($p: [ProgramInput!]!) { upsertPrograms(programs: $p) { created programs { code region { code } } } }";
        let resp = s
            .graphql_as(
                programs,
                json!({"p": [{"code": "p2", "name": "六事工作法", "region": "NOWHERE", "startedOn": "2022-05-01", "endedOn": "2022-01-01"}]}),
                Some(&t),
            )
            .await;
        assert_eq!(code(&resp), "BAD_INPUT", "[{name}] {resp}");
        let fields = resp["errors"][0]["extensions"]["errors"].to_string();
        assert!(fields.contains("programs[0].region") && fields.contains("programs[0].endedOn"), "{resp}");
        let resp = s
            .graphql_as(
                programs,
                json!({"p": [{"code": "p2", "name": "六事工作法", "region": "T3", "category": "mediation"}]}),
                Some(&t),
            )
            .await;
        assert_eq!(resp["data"]["upsertPrograms"]["programs"][0]["region"]["code"], "T3", "{resp}");
        s.stop().await;
    })
    .await;
}

backend_test!(the_token_never_appears_in_the_database);
async fn the_token_never_appears_in_the_database(backend: Backend) {
    bounded(120, async {
        let s = TestServer::start(&backend).await;
        s.import(&tree()).await;
        let tokens = [
            token(&s.db, "one", Role::Importer).await,
            token(&s.db, "two", Role::Admin).await,
        ];
        for t in &tokens {
            assert!(t.starts_with("cg_"));
            assert_eq!(
                status(&post(&s, t, &report(&t[3..12], "报告", "T1", 1)).await),
                "CREATED"
            );
        }
        // Only the hash is stored.
        let listed = list_tokens(&s.db).await.unwrap();
        assert_eq!(listed.len(), 2);
        use sea_orm::ConnectionTrait;
        let backend_kind = s.db.backend();
        let mut text = String::new();
        if backend_kind == sea_orm::DbBackend::Postgres {
            // Every row of every table, as text.
            let tables =
                "SELECT table_name AS t FROM information_schema.tables WHERE table_schema = 'public'";
            let statement = |sql: String| sea_orm::Statement::from_string(backend_kind, sql);
            for row in s.db.read.query_all_raw(statement(tables.into())).await.unwrap() {
                let table: String = row.try_get("", "t").unwrap();
                let dump = format!("SELECT CAST(x AS TEXT) AS v FROM \"{table}\" x");
                for r in s.db.read.query_all_raw(statement(dump)).await.unwrap() {
                    text.push_str(&r.try_get::<String>("", "v").unwrap());
                }
            }
            assert!(text.contains("走访人次"), "the dump reads the data");
        }
        let stored =
            s.db.read
                .query_all_raw(sea_orm::Statement::from_string(
                    backend_kind,
                    "SELECT name, role, token_hash FROM api_token ORDER BY id",
                ))
                .await
                .unwrap();
        for (row, t) in stored.iter().zip(&tokens) {
            let hash: String = row.try_get("", "token_hash").unwrap();
            assert_eq!(hash, hash_token(t));
            text.push_str(&hash);
        }
        for t in &tokens {
            assert!(
                !text.contains(t.as_str()),
                "[{}] the token is stored",
                backend.name()
            );
            assert!(
                !text.contains(&t[3..]),
                "[{}] the token is stored",
                backend.name()
            );
        }
        if let Backend::Sqlite = backend {
            // Every byte of the database file and its write-ahead log.
            let path = s.database_url().trim_start_matches("sqlite://").to_owned();
            let mut bytes = Vec::new();
            for suffix in ["", "-wal"] {
                if let Ok(b) = std::fs::read(format!("{path}{suffix}")) {
                    bytes.extend(b);
                }
            }
            assert!(bytes.len() > 10_000);
            for t in &tokens {
                let needle = &t.as_bytes()[3..];
                assert!(
                    !bytes.windows(needle.len()).any(|w| w == needle),
                    "the token is in the SQLite file"
                );
            }
        }
        s.stop().await;
    })
    .await;
}
