//! Batched loading: every relation field goes through [`DbLoader`], so one request runs one statement
//! per relation and argument set, however many rows it returns.

use std::collections::HashMap;
use std::hash::Hash;

use async_graphql::dataloader::{DataLoader, Loader};
use chrono::NaiveDate;
use entity::{metric, observation, program, region, report};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseConnection, DbErr, EntityTrait, FromQueryResult, QueryFilter, Value,
};

use crate::error::ApiError;
use crate::sql::Sql;

/// Loads rows for one request; create one per request with [`new_loader`].
pub struct DbLoader {
    db: DatabaseConnection,
}

/// The per-request loader held in the GraphQL context.
pub type Loaders = DataLoader<DbLoader>;

/// A fresh loader (with its own cache) for one request.
pub fn new_loader(db: DatabaseConnection) -> Loaders {
    DataLoader::new(DbLoader { db }, tokio::spawn)
}

fn error(e: DbErr) -> async_graphql::Error {
    ApiError::from(e).into()
}

macro_rules! by_id {
    ($key:ident, $module:ident) => {
        #[doc = concat!("Loads a `", stringify!($module), "` by id.")]
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $key(pub i64);

        impl Loader<$key> for DbLoader {
            type Value = $module::Model;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$key]) -> Result<HashMap<$key, Self::Value>, Self::Error> {
                let ids = keys.iter().map(|k| k.0);
                let rows = $module::Entity::find()
                    .filter($module::Column::Id.is_in(ids))
                    .all(&self.db)
                    .await
                    .map_err(error)?;
                Ok(rows.into_iter().map(|r| ($key(r.id), r)).collect())
            }
        }
    };
}

by_id!(RegionId, region);
by_id!(MetricId, metric);
by_id!(ProgramId, program);
by_id!(ReportId, report);

/// Which slice of a relation to load for each parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Window {
    /// Rows to return (one more is fetched to tell whether there is a next page).
    pub first: u64,
    /// Rows to skip.
    pub offset: u64,
}

/// One parent's page of a relation, with the relation's total size.
#[derive(Clone, Debug)]
pub struct Rows<M> {
    pub rows: Vec<M>,
    pub total: i64,
}

impl<M> Default for Rows<M> {
    fn default() -> Self {
        Rows {
            rows: Vec::new(),
            total: 0,
        }
    }
}

/// Filters of `Region.observations`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct ObservationFilter {
    pub metric_id: Option<i64>,
    pub from: Option<NaiveDate>,
    pub to: Option<NaiveDate>,
}

/// The slice of a relation wanted for one parent.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Slice<F> {
    pub parent: i64,
    pub window: Window,
    pub filter: F,
}

/// Where a relation's rows live: table, the column pointing at the parent, and the page order.
struct Shape {
    table: &'static str,
    parent_col: &'static str,
    order: &'static str,
}

/// Loads the slices of one relation for many parents in one statement per distinct window and filter:
/// the rows are numbered per parent with a window function and each parent's window is kept. A
/// parent whose window comes back empty is counted separately, so `totalCount` is right there too.
async fn load_slices<M: FromQueryResult, F: Copy + Eq + Hash>(
    db: &DatabaseConnection,
    shape: &Shape,
    keys: &[Slice<F>],
    extra: fn(&F, &mut Sql),
) -> Result<HashMap<Slice<F>, Rows<M>>, DbErr> {
    let Shape {
        table,
        parent_col,
        order,
    } = shape;
    let mut groups: HashMap<(Window, F), Vec<i64>> = HashMap::new();
    for k in keys {
        groups.entry((k.window, k.filter)).or_default().push(k.parent);
    }
    let mut out = HashMap::new();
    for ((window, filter), parents) in groups {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(&format!(
            "SELECT * FROM (SELECT t.*, ROW_NUMBER() OVER (PARTITION BY t.{parent_col} ORDER BY {order}) \
             AS page_rn, COUNT(*) OVER (PARTITION BY t.{parent_col}) AS page_total FROM {table} t \
             WHERE t.{parent_col} IN "
        ));
        sql.bind_list(parents.iter().copied());
        extra(&filter, &mut sql);
        sql.push(") p WHERE page_rn > ").bind(window.offset as i64);
        sql.push(" AND page_rn <= ")
            .bind((window.offset + window.first + 1) as i64);
        sql.push(&format!(" ORDER BY {parent_col}, page_rn"));
        let mut found: HashMap<i64, Rows<M>> = HashMap::new();
        for row in db.query_all_raw(sql.build()).await? {
            let parent: i64 = row.try_get("", parent_col)?;
            let entry = found.entry(parent).or_default();
            entry.total = row.try_get("", "page_total")?;
            entry.rows.push(M::from_query_result(&row, "")?);
        }
        let empty: Vec<i64> = parents
            .iter()
            .copied()
            .filter(|p| !found.contains_key(p))
            .collect();
        if !empty.is_empty() && (window.offset > 0 || window.first == 0) {
            let mut sql = Sql::new(db.get_database_backend());
            sql.push(&format!(
                "SELECT t.{parent_col} AS parent, COUNT(*) AS n FROM {table} t WHERE t.{parent_col} IN "
            ));
            sql.bind_list(empty.iter().copied());
            extra(&filter, &mut sql);
            sql.push(&format!(" GROUP BY t.{parent_col}"));
            for row in db.query_all_raw(sql.build()).await? {
                let parent: i64 = row.try_get("", "parent")?;
                found.entry(parent).or_default().total = row.try_get("", "n")?;
            }
        }
        for parent in parents {
            let key = Slice {
                parent,
                window,
                filter,
            };
            out.insert(key, found.remove(&parent).unwrap_or_default());
        }
    }
    Ok(out)
}

fn no_filter(_: &(), _: &mut Sql) {}

fn observation_filter(f: &ObservationFilter, sql: &mut Sql) {
    if let Some(m) = f.metric_id {
        sql.push(" AND t.metric_id = ").bind(m);
    }
    if let Some(from) = f.from {
        sql.push(" AND t.period_start >= ").bind(Value::from(from));
    }
    if let Some(to) = f.to {
        sql.push(" AND t.period_end <= ").bind(Value::from(to));
    }
}

macro_rules! relation {
    ($(#[$doc:meta])* $name:ident: $model:ty, $filter:ty, $table:literal, $parent:literal, $order:literal, $extra:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name(pub Slice<$filter>);

        impl Loader<$name> for DbLoader {
            type Value = Rows<$model>;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$name]) -> Result<HashMap<$name, Self::Value>, Self::Error> {
                let shape = Shape { table: $table, parent_col: $parent, order: $order };
                let slices: Vec<Slice<$filter>> = keys.iter().map(|k| k.0).collect();
                let map = load_slices(&self.db, &shape, &slices, $extra).await.map_err(error)?;
                Ok(map.into_iter().map(|(k, v)| ($name(k), v)).collect())
            }
        }
    };
}

relation!(
    /// `Region.children`, by code.
    RegionChildren: region::Model, (), "region", "parent_id", "t.code", no_filter
);
relation!(
    /// `Region.programs`, by code.
    RegionPrograms: program::Model, (), "program", "region_id", "t.code", no_filter
);
relation!(
    /// `Region.reports`, newest first.
    RegionReports: report::Model, (), "report", "region_id", "t.published_on DESC, t.id DESC", no_filter
);
relation!(
    /// `Region.observations`, by period.
    RegionObservations: observation::Model, ObservationFilter, "observation", "region_id",
    "t.period_start, t.id", observation_filter
);
relation!(
    /// `Report.observations`, in the report's order.
    ReportObservations: observation::Model, (), "observation", "report_id", "t.id", no_filter
);
