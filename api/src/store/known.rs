//! What the importers compare incoming records against: the codes in the database with their ids,
//! region paths and a fingerprint of their content, loaded whole (bulk imports) or for the few codes a
//! write references (posts and upserts).

use std::collections::{BTreeSet, HashMap};
use std::hash::{DefaultHasher, Hash, Hasher};

use chrono::NaiveDate;
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult, Statement};

use super::Sql;
use crate::domain::{Aggregation, Level, RegionPath, ValueType};

/// Regions loaded per query by [`load_known`].
const REGIONS_PER_PAGE: i64 = 5_000;
/// Codes per `IN (…)` lookup of [`load_known_for`].
const CODES_PER_LOOKUP: usize = 500;

/// What an importer knows of a region: its id and the ids of its ancestors at each level.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownRegion {
    pub id: i64,
    pub level: Level,
    /// Ancestor-or-self id at each level.
    pub path: RegionPath,
    /// Fingerprint of the stored content (see [`region_content`]), to tell an unchanged upsert.
    pub content: u64,
    /// The item of this import that defined it (its line, 1-based); 0 when it came from the database.
    pub line: u64,
}

/// What an importer knows of a metric.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownMetric {
    pub id: i64,
    pub value_type: ValueType,
    /// Fingerprint of the stored content (see [`metric_content`]).
    pub content: u64,
    /// The item of this import that defined it; 0 when it came from the database.
    pub line: u64,
}

/// What an importer knows of a program.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct KnownProgram {
    pub id: i64,
    /// Fingerprint of the stored content (see [`program_content`]).
    pub content: u64,
    /// The item of this import that defined it; 0 when it came from the database.
    pub line: u64,
}

/// Known regions by code, stored compactly: an import may know every region of the country.
#[derive(Debug, Default)]
pub struct KnownRegions {
    index: HashMap<Box<str>, u32>,
    entries: Vec<KnownRegion>,
}

impl KnownRegions {
    /// The region with `code`.
    pub fn get(&self, code: &str) -> Option<&KnownRegion> {
        self.index.get(code).map(|&i| &self.entries[i as usize])
    }

    /// Whether a region has `code`.
    pub fn contains_key(&self, code: &str) -> bool {
        self.index.contains_key(code)
    }

    /// Adds or replaces the region with `code`.
    pub fn insert(&mut self, code: String, region: KnownRegion) {
        match self.index.get(code.as_str()) {
            Some(&i) => self.entries[i as usize] = region,
            None => {
                let i = u32::try_from(self.entries.len()).expect("fewer than 4 billion regions");
                self.index.insert(code.into_boxed_str(), i);
                self.entries.push(region);
            }
        }
    }

    /// Every known region.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut KnownRegion> {
        self.entries.iter_mut()
    }

    /// Makes room for `n` more regions.
    pub fn reserve(&mut self, n: usize) {
        self.index.reserve(n);
        self.entries.reserve(n);
    }
}

impl std::ops::Index<&String> for KnownRegions {
    type Output = KnownRegion;

    fn index(&self, code: &String) -> &KnownRegion {
        self.get(code).expect("a known region")
    }
}

/// The codes a record may reference: those in the database and those on earlier lines.
#[derive(Debug, Default)]
pub struct Known {
    pub regions: KnownRegions,
    pub metrics: HashMap<String, KnownMetric>,
    pub programs: HashMap<String, KnownProgram>,
}

/// A fingerprint of any hashable value (not stable across builds: it is only compared in memory).
pub fn fingerprint<T: Hash + ?Sized>(value: &T) -> u64 {
    let mut h = DefaultHasher::new();
    value.hash(&mut h);
    h.finish()
}

/// The fingerprint of a region's stored content.
pub fn region_content(
    name: &str,
    level: Level,
    parent: Option<i64>,
    population: Option<i64>,
    aliases: &Option<Vec<String>>,
) -> u64 {
    fingerprint(&(name, level.depth(), parent, population, aliases))
}

/// The fingerprint of a metric's stored content.
pub fn metric_content(name: &str, unit: &str, value_type: ValueType, aggregation: Aggregation) -> u64 {
    fingerprint(&(name, unit, value_type.as_str(), aggregation.as_str()))
}

/// The fingerprint of a program's stored content.
pub fn program_content(
    name: &str,
    region_id: i64,
    category: &Option<String>,
    description: &Option<String>,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
) -> u64 {
    fingerprint(&(name, region_id, category, description, started_on, ended_on))
}

#[derive(FromQueryResult)]
struct RegionRow {
    id: i64,
    code: String,
    name: String,
    level: Level,
    parent_id: Option<i64>,
    population: Option<i64>,
    aliases: Option<String>,
    province_id: i64,
    city_id: i64,
    county_id: i64,
    town_id: i64,
    village_id: i64,
}

#[derive(FromQueryResult)]
struct MetricRow {
    id: i64,
    code: String,
    name: String,
    unit: String,
    value_type: ValueType,
    aggregation: Aggregation,
}

#[derive(FromQueryResult)]
struct ProgramRow {
    id: i64,
    code: String,
    name: String,
    region_id: i64,
    category: Option<String>,
    description: Option<String>,
    started_on: Option<NaiveDate>,
    ended_on: Option<NaiveDate>,
}

const REGION_COLUMNS: &str = "SELECT id, code, name, level, parent_id, population, aliases, province_id, \
                              city_id, county_id, town_id, village_id FROM region";
const METRIC_COLUMNS: &str = "SELECT id, code, name, unit, value_type, aggregation FROM metric";
const PROGRAM_COLUMNS: &str =
    "SELECT id, code, name, region_id, category, description, started_on, ended_on FROM program";

impl RegionRow {
    fn into_known(self) -> (String, KnownRegion) {
        let r = self;
        let aliases: Option<Vec<String>> = r.aliases.as_deref().and_then(|a| serde_json::from_str(a).ok());
        let mut ids = [r.province_id, r.city_id, r.county_id, r.town_id, r.village_id];
        ids[r.level.index()] = r.id;
        let content = region_content(&r.name, r.level, r.parent_id, r.population, &aliases);
        let known = KnownRegion {
            id: r.id,
            level: r.level,
            path: RegionPath::from_ids(ids),
            content,
            line: 0,
        };
        (r.code, known)
    }
}

impl MetricRow {
    fn into_known(self) -> (String, KnownMetric) {
        let m = self;
        let content = metric_content(&m.name, &m.unit, m.value_type, m.aggregation);
        let known = KnownMetric {
            id: m.id,
            value_type: m.value_type,
            content,
            line: 0,
        };
        (m.code, known)
    }
}

impl ProgramRow {
    fn into_known(self) -> (String, KnownProgram) {
        let p = self;
        let content = program_content(
            &p.name,
            p.region_id,
            &p.category,
            &p.description,
            p.started_on,
            p.ended_on,
        );
        (
            p.code,
            KnownProgram {
                id: p.id,
                content,
                line: 0,
            },
        )
    }
}

/// Loads everything the database holds, the regions a page at a time.
pub async fn load_known<C: ConnectionTrait>(db: &C) -> Result<Known, DbErr> {
    let backend = db.get_database_backend();
    let mut known = Known::default();
    // Sized once: growing a map of hundreds of thousands of regions would briefly hold it twice.
    let count = db
        .query_one_raw(Statement::from_string(
            backend,
            "SELECT COUNT(*) AS n FROM region",
        ))
        .await?
        .map(|row| row.try_get::<i64>("", "n"))
        .transpose()?
        .unwrap_or(0);
    known.regions.reserve(usize::try_from(count).unwrap_or(0));
    let mut after = 0i64;
    loop {
        let mut sql = Sql::new(backend);
        sql.push(REGION_COLUMNS).push(" WHERE id > ").bind(after);
        sql.push(" ORDER BY id").limit(REGIONS_PER_PAGE);
        let rows = RegionRow::find_by_statement(sql.build()).all(db).await?;
        let Some(last) = rows.last() else { break };
        after = last.id;
        for r in rows {
            let (code, region) = r.into_known();
            known.regions.insert(code, region);
        }
    }
    let metrics = Statement::from_string(backend, METRIC_COLUMNS);
    for m in MetricRow::find_by_statement(metrics).all(db).await? {
        let (code, metric) = m.into_known();
        known.metrics.insert(code, metric);
    }
    let programs = Statement::from_string(backend, PROGRAM_COLUMNS);
    for p in ProgramRow::find_by_statement(programs).all(db).await? {
        let (code, program) = p.into_known();
        known.programs.insert(code, program);
    }
    Ok(known)
}

/// The region, metric and program codes a write references.
#[derive(Debug, Default, Clone)]
pub struct Codes {
    pub regions: BTreeSet<String>,
    pub metrics: BTreeSet<String>,
    pub programs: BTreeSet<String>,
}

/// Loads what the database holds of the given codes only.
pub async fn load_known_for<C: ConnectionTrait>(db: &C, codes: &Codes) -> Result<Known, DbErr> {
    let mut known = Known::default();
    for sql in lookups(db.get_database_backend(), REGION_COLUMNS, &codes.regions) {
        for r in RegionRow::find_by_statement(sql).all(db).await? {
            let (code, region) = r.into_known();
            known.regions.insert(code, region);
        }
    }
    for sql in lookups(db.get_database_backend(), METRIC_COLUMNS, &codes.metrics) {
        for m in MetricRow::find_by_statement(sql).all(db).await? {
            let (code, metric) = m.into_known();
            known.metrics.insert(code, metric);
        }
    }
    for sql in lookups(db.get_database_backend(), PROGRAM_COLUMNS, &codes.programs) {
        for p in ProgramRow::find_by_statement(sql).all(db).await? {
            let (code, program) = p.into_known();
            known.programs.insert(code, program);
        }
    }
    Ok(known)
}

/// `{select} WHERE code IN (…)` for every chunk of `codes`.
fn lookups(backend: sea_orm::DbBackend, select: &str, codes: &BTreeSet<String>) -> Vec<Statement> {
    let codes: Vec<&String> = codes.iter().collect();
    codes
        .chunks(CODES_PER_LOOKUP)
        .map(|chunk| {
            let mut sql = Sql::new(backend);
            sql.push(select).push(" WHERE code IN ");
            sql.bind_list(chunk.iter().map(|c| (*c).clone()));
            sql.build()
        })
        .collect()
}

/// Whether any observation uses metric `id` (its value type can then no longer change).
pub async fn metric_has_observations<C: ConnectionTrait>(db: &C, id: i64) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM observation WHERE metric_id = ")
        .bind(id)
        .push(" LIMIT 1");
    Ok(db.query_one_raw(sql.build()).await?.is_some())
}

/// Whether region `id` has a child at `level` or above, which a level change to `level` would invert.
pub async fn has_children_at_or_above<C: ConnectionTrait>(
    db: &C,
    id: i64,
    level: Level,
) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.get_database_backend());
    sql.push("SELECT id FROM region WHERE parent_id = ").bind(id);
    sql.push(" AND level <= ").bind(level.depth()).push(" LIMIT 1");
    Ok(db.query_one_raw(sql.build()).await?.is_some())
}
