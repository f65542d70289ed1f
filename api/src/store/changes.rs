//! The statements that tell which reports a write created or replaced, and where they are: what the
//! `reportPosted` events of a bulk import are made of.

use std::collections::{BTreeSet, HashMap};

use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

use super::{Db, Sql};
use crate::domain::RegionPath;

/// Ids per `IN (…)` lookup.
const IDS_PER_LOOKUP: usize = 500;
/// Observations scanned to find the replaced reports of an import.
const SCANNED_OBSERVATIONS: i64 = 200_000;

/// The highest report and observation ids: ids only grow (SQLite's `AUTOINCREMENT`, PostgreSQL's
/// identity), so what a write creates or replaces lies above the marks taken before it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct HighWater {
    report: i64,
    observation: i64,
}

/// The current [`HighWater`] marks, read on the writer connection.
pub async fn high_water(db: &Db) -> Result<HighWater, DbErr> {
    let sql = "SELECT (SELECT COALESCE(MAX(id), 0) FROM report) AS r, \
               (SELECT COALESCE(MAX(id), 0) FROM observation) AS o";
    let row = db
        .write
        .query_one_raw(Statement::from_string(db.backend(), sql))
        .await?
        .ok_or_else(|| DbErr::Custom("no row".into()))?;
    Ok(HighWater {
        report: row.try_get("", "r")?,
        observation: row.try_get("", "o")?,
    })
}

/// The ids (at most `limit`, smallest first) of the reports created since `before` (ids above its
/// report mark) or replaced since (they have observations above its observation mark).
pub async fn changed_since(db: &Db, before: HighWater, limit: usize) -> Result<Vec<i64>, DbErr> {
    let backend = db.backend();
    let mut sql = Sql::new(backend);
    sql.push("SELECT id FROM report WHERE id > ").bind(before.report);
    sql.push(" ORDER BY id LIMIT ").bind(limit as i64);
    let mut ids = BTreeSet::new();
    for row in db.write.query_all_raw(sql.build()).await? {
        ids.insert(row.try_get::<i64>("", "id")?);
    }
    let mut sql = Sql::new(backend);
    sql.push("SELECT DISTINCT report_id FROM (SELECT report_id FROM observation WHERE id > ")
        .bind(before.observation);
    sql.push(" ORDER BY id LIMIT ")
        .bind(SCANNED_OBSERVATIONS)
        .push(") o");
    for row in db.write.query_all_raw(sql.build()).await? {
        ids.insert(row.try_get::<i64>("", "report_id")?);
    }
    Ok(ids.into_iter().take(limit).collect())
}

#[derive(FromQueryResult)]
struct PathRow {
    report_id: i64,
    p0: Option<i64>,
    p1: Option<i64>,
    p2: Option<i64>,
    p3: Option<i64>,
    p4: Option<i64>,
}

/// The region paths of each of the reports `ids` (its own region's and its observations'), by report
/// id; every report gets an entry, also one without a region or observations.
pub async fn report_paths(db: &Db, ids: &[i64]) -> Result<HashMap<i64, Vec<RegionPath>>, DbErr> {
    let mut paths: HashMap<i64, Vec<RegionPath>> = HashMap::new();
    for chunk in ids.chunks(IDS_PER_LOOKUP) {
        let queries = [
            "SELECT r.id AS report_id, g.province_id AS p0, g.city_id AS p1, g.county_id AS p2, \
             g.town_id AS p3, g.village_id AS p4 FROM report r LEFT JOIN region g ON g.id = r.region_id \
             WHERE r.id IN ",
            "SELECT DISTINCT report_id, province_id AS p0, city_id AS p1, county_id AS p2, town_id AS p3, \
             village_id AS p4 FROM observation WHERE report_id IN ",
        ];
        for query in queries {
            let mut sql = Sql::new(db.backend());
            sql.push(query).bind_list(chunk.iter().copied());
            for row in PathRow::find_by_statement(sql.build()).all(&db.write).await? {
                let entry = paths.entry(row.report_id).or_default();
                let path =
                    RegionPath::from_ids([row.p0, row.p1, row.p2, row.p3, row.p4].map(|p| p.unwrap_or(0)));
                if !path.is_empty() && !entry.contains(&path) {
                    entry.push(path);
                }
            }
        }
    }
    Ok(paths)
}
