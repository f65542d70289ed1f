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

/// A loader whose batches run on their own tokio tasks (for subscriptions).
pub fn new_loader(db: DatabaseConnection) -> Loaders {
    DataLoader::new(DbLoader { db }, tokio::spawn)
}

/// Executes `request` with a fresh loader whose batches run on the request's own task, and only once
/// execution cannot go further without them: every key that one step of execution asks for goes into
/// one batch, however long the step takes and however busy the machine is. The number of statements
/// a request runs is therefore bounded by the depth of the query, never by the rows it returns.
pub async fn execute<E: async_graphql::Executor>(
    executor: &E,
    db: DatabaseConnection,
    request: async_graphql::Request,
) -> async_graphql::Response {
    use std::pin::pin;
    use std::sync::Arc;
    use std::sync::atomic::{AtomicBool, Ordering};
    use std::task::{Context, Poll};

    use futures::StreamExt;
    use futures::stream::FuturesUnordered;
    use futures::task::{ArcWake, AtomicWaker};

    /// Wakes the request's task and remembers that the execution asked to be polled again.
    #[derive(Default)]
    struct Flag {
        woken: AtomicBool,
        task: AtomicWaker,
    }
    impl ArcWake for Flag {
        fn wake_by_ref(flag: &Arc<Self>) {
            flag.woken.store(true, Ordering::SeqCst);
            flag.task.wake();
        }
    }

    let (tx, mut queued) = futures::channel::mpsc::unbounded::<futures::future::BoxFuture<'static, ()>>();
    let loader = DataLoader::new(DbLoader { db }, move |batch| {
        let _ = tx.unbounded_send(batch);
    })
    .delay(std::time::Duration::ZERO);
    let mut execution = pin!(executor.execute(request.data(loader)));
    let flag = Arc::new(Flag::default());
    let execution_waker = futures::task::waker(flag.clone());
    let mut batches = FuturesUnordered::new();
    std::future::poll_fn(move |cx| {
        flag.task.register(cx.waker());
        // Run the execution until it waits on something other than itself (it yields now and
        // then to be fair to other tasks, and every key it registers before waiting belongs in
        // the same batch).
        loop {
            flag.woken.store(false, Ordering::SeqCst);
            if let Poll::Ready(response) = execution
                .as_mut()
                .poll(&mut Context::from_waker(&execution_waker))
            {
                return Poll::Ready(response);
            }
            if !flag.woken.load(Ordering::SeqCst) {
                break;
            }
        }
        while let Poll::Ready(Some(batch)) = queued.poll_next_unpin(cx) {
            batches.push(batch);
        }
        while let Poll::Ready(Some(())) = batches.poll_next_unpin(cx) {}
        if flag.woken.load(Ordering::SeqCst) {
            cx.waker().wake_by_ref();
        }
        Poll::Pending
    })
    .await
}

/// Loads `key` through the request's loader and wraps the row (`None` stays `None`): what every
/// to-one relation field does.
pub async fn load<K, M, T>(
    ctx: &async_graphql::Context<'_>,
    key: Option<K>,
    wrap: impl FnOnce(M) -> T,
) -> async_graphql::Result<Option<T>>
where
    K: Send + Sync + Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = M, Error = async_graphql::Error>,
{
    let Some(key) = key else { return Ok(None) };
    Ok(ctx.data_unchecked::<Loaders>().load_one(key).await?.map(wrap))
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

/// Loads a metric by code.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct MetricCode(pub String);

impl Loader<MetricCode> for DbLoader {
    type Value = metric::Model;
    type Error = async_graphql::Error;

    async fn load(&self, keys: &[MetricCode]) -> Result<HashMap<MetricCode, Self::Value>, Self::Error> {
        let codes = keys.iter().map(|k| k.0.clone());
        let rows = metric::Entity::find()
            .filter(metric::Column::Code.is_in(codes))
            .all(&self.db)
            .await
            .map_err(error)?;
        Ok(rows
            .into_iter()
            .map(|r| (MetricCode(r.code.clone()), r))
            .collect())
    }
}
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

/// Where a relation's rows live: the `FROM` clause (rows aliased `t`), the expression naming each row's
/// parent, and the page order.
struct Shape {
    from: &'static str,
    parent: &'static str,
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
    let Shape { from, parent, order } = shape;
    let mut groups: HashMap<(Window, F), Vec<i64>> = HashMap::new();
    for k in keys {
        groups.entry((k.window, k.filter)).or_default().push(k.parent);
    }
    let mut out = HashMap::new();
    for ((window, filter), parents) in groups {
        let mut sql = Sql::new(db.get_database_backend());
        sql.push(&format!(
            "SELECT * FROM (SELECT t.*, {parent} AS page_parent, \
             ROW_NUMBER() OVER (PARTITION BY {parent} ORDER BY {order}) AS page_rn, \
             COUNT(*) OVER (PARTITION BY {parent}) AS page_total FROM {from} WHERE {parent} IN "
        ));
        sql.bind_list(parents.iter().copied());
        extra(&filter, &mut sql);
        sql.push(") p WHERE page_rn > ").bind(window.offset as i64);
        sql.push(" AND page_rn <= ")
            .bind((window.offset + window.first + 1) as i64);
        sql.push(" ORDER BY page_parent, page_rn");
        let mut found: HashMap<i64, Rows<M>> = HashMap::new();
        for row in db.query_all_raw(sql.build()).await? {
            let parent: i64 = row.try_get("", "page_parent")?;
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
                "SELECT {parent} AS parent, COUNT(*) AS n FROM {from} WHERE {parent} IN "
            ));
            sql.bind_list(empty.iter().copied());
            extra(&filter, &mut sql);
            sql.push(&format!(" GROUP BY {parent}"));
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
    ($(#[$doc:meta])* $name:ident: $model:ty, $filter:ty, $from:expr, $parent:literal, $order:literal, $extra:expr) => {
        $(#[$doc])*
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
        pub struct $name(pub Slice<$filter>);

        impl Loader<$name> for DbLoader {
            type Value = Rows<$model>;
            type Error = async_graphql::Error;

            async fn load(&self, keys: &[$name]) -> Result<HashMap<$name, Self::Value>, Self::Error> {
                let shape = Shape { from: $from, parent: $parent, order: $order };
                let slices: Vec<Slice<$filter>> = keys.iter().map(|k| k.0).collect();
                let map = load_slices(&self.db, &shape, &slices, $extra).await.map_err(error)?;
                Ok(map.into_iter().map(|(k, v)| ($name(k), v)).collect())
            }
        }
    };
}

relation!(
    /// `Region.children`, by code.
    RegionChildren: region::Model, (), "region t", "t.parent_id", "t.code", no_filter
);
relation!(
    /// `Region.programs`, by code.
    RegionPrograms: program::Model, (), "program t", "t.region_id", "t.code", no_filter
);
relation!(
    /// `Region.reports`, newest first.
    RegionReports: report::Model, (), "report t", "t.region_id", "t.published_on DESC, t.id DESC", no_filter
);
relation!(
    /// `Region.observations`, by period. An observation is about region `r` when its path equals r's,
    /// which the scope index answers once per metric.
    RegionObservations: observation::Model, ObservationFilter,
    "region r JOIN observation t ON t.metric_id IN (SELECT id FROM metric) AND t.province_id = r.province_id \
     AND t.city_id = r.city_id AND t.county_id = r.county_id AND t.town_id = r.town_id \
     AND t.village_id = r.village_id",
    "r.id", "t.period_start, t.id", observation_filter
);
relation!(
    /// `Report.observations`, in the report's order.
    ReportObservations: observation::Model, (), "observation t", "t.report_id", "t.id", no_filter
);
