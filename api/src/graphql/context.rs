//! What resolvers reach through the GraphQL context, and the one way a request is executed.
//!
//! The schema carries the database, the configuration and the writers; each request carries its caller
//! and a fresh [`Loaders`]. Resolvers use the accessors here, which answer an `INTERNAL` error rather
//! than panic when something is missing, and the by-code lookups, which answer `NOT_FOUND`.

use std::pin::pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::task::Poll;

use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, Result};
use entity::{metric, program, region};
use futures::StreamExt;
use futures::stream::FuturesUnordered;
use futures::task::{ArcWake, AtomicWaker};
use sea_orm::DatabaseConnection;
use tokio::sync::{Semaphore, SemaphorePermit};

use super::loaders::{DbLoader, Loaders};
use crate::auth::Caller;
use crate::config::Config;
use crate::error::ApiError;
use crate::store::{Db, reads};
use crate::writes::Writes;

fn data<'a, T: Send + Sync + 'static>(ctx: &Context<'a>, what: &str) -> Result<&'a T> {
    ctx.data_opt::<T>()
        .ok_or_else(|| ApiError::Internal(format!("the schema has no {what}")).into())
}

/// The database.
pub fn db<'a>(ctx: &Context<'a>) -> Result<&'a Db> {
    data(ctx, "database")
}

/// How many connections one request may hold at once: taken before a resolver or a loader batch
/// reads, so that one request cannot starve the others of the pool.
#[derive(Clone, Debug)]
pub struct Slots {
    semaphore: Arc<Semaphore>,
    max: u32,
}

impl Slots {
    /// At most `max` connections at once (at least one).
    pub fn new(max: u32) -> Slots {
        let max = max.max(1);
        Slots {
            semaphore: Arc::new(Semaphore::new(max as usize)),
            max,
        }
    }

    /// Waits for `n` of the request's connections (at most all of them).
    pub async fn take(&self, n: u32) -> Result<SemaphorePermit<'_>> {
        self.semaphore
            .acquire_many(n.min(self.max))
            .await
            .map_err(|_| ApiError::Internal("the request's connection slots are closed".into()).into())
    }
}

/// The read connections, with the request's slots for the statements about to run.
pub struct Reader<'a> {
    conn: &'a DatabaseConnection,
    _slots: Option<SemaphorePermit<'a>>,
}

impl std::ops::Deref for Reader<'_> {
    type Target = DatabaseConnection;

    fn deref(&self) -> &DatabaseConnection {
        self.conn
    }
}

/// The read connections, for one statement at a time.
pub async fn read<'a>(ctx: &Context<'a>) -> Result<Reader<'a>> {
    read_with(ctx, 1).await
}

/// The connections a request reads from, when they are not the read pool: a mutation's answer is
/// read from the primary (see [`Db::fresh`]) so that it includes the write.
#[derive(Clone, Debug)]
pub struct ReadFrom(pub DatabaseConnection);

/// The read connections, for `statements` run at once.
pub async fn read_with<'a>(ctx: &Context<'a>, statements: u32) -> Result<Reader<'a>> {
    let conn = match ctx.data_opt::<ReadFrom>() {
        Some(ReadFrom(conn)) => conn,
        None => &db(ctx)?.read,
    };
    let slots = match ctx.data_opt::<Slots>() {
        Some(slots) => Some(slots.take(statements).await?),
        None => None,
    };
    Ok(Reader { conn, _slots: slots })
}

/// The server's settings and limits.
pub fn config<'a>(ctx: &Context<'a>) -> Result<&'a Config> {
    data(ctx, "configuration")
}

/// The server's writers.
pub fn writes<'a>(ctx: &Context<'a>) -> Result<&'a Writes> {
    data(ctx, "writers")
}

/// The request's loaders.
pub fn loaders<'a>(ctx: &Context<'a>) -> Result<&'a Loaders> {
    data(ctx, "loaders")
}

/// The caller of the operation (anonymous when the request carries none).
pub fn caller(ctx: &Context<'_>) -> Caller {
    ctx.data_opt::<Caller>().copied().unwrap_or(Caller::Anonymous)
}

/// The row a lookup by code found, or `NOT_FOUND` naming `what` and `code`.
async fn found<M>(
    what: &str,
    code: &str,
    lookup: impl Future<Output = Result<Option<M>, sea_orm::DbErr>>,
) -> Result<M> {
    let row = lookup.await.map_err(ApiError::from)?;
    Ok(row.ok_or_else(|| ApiError::not_found(what, code))?)
}

/// The region with `code`, or `NOT_FOUND`.
pub async fn region_by_code(ctx: &Context<'_>, code: &str) -> Result<region::Model> {
    found("region", code, reads::region_by_code(&*read(ctx).await?, code)).await
}

/// The metric with `code`, or `NOT_FOUND`.
pub async fn metric_by_code(ctx: &Context<'_>, code: &str) -> Result<metric::Model> {
    found("metric", code, reads::metric_by_code(&*read(ctx).await?, code)).await
}

/// The program with `code`, or `NOT_FOUND`.
pub async fn program_by_code(ctx: &Context<'_>, code: &str) -> Result<program::Model> {
    found("program", code, reads::program_by_code(&*read(ctx).await?, code)).await
}

/// Runs `lookup` on a code if one is given: `by_code(ctx, code)` for an optional argument.
pub async fn optional<M, F: Future<Output = Result<M>>>(lookup: Option<F>) -> Result<Option<M>> {
    match lookup {
        Some(f) => f.await.map(Some),
        None => Ok(None),
    }
}

/// Executes `request` with a fresh loader whose batches run on the request's own task, and only once
/// execution cannot go further without them: every key that one step of execution asks for goes into
/// one batch, however long the step takes and however busy the machine is. The number of statements
/// a request runs is therefore bounded by the depth of the query, never by the rows it returns.
///
/// The request reads from `db` and may hold at most `connections` of its connections at once (see
/// [`Slots`]). With `reuse`, a row the loader read once is not read again in the same request: for
/// queries, under which nothing changes; not for mutations, which read what they just wrote.
pub async fn execute<E: async_graphql::Executor>(
    executor: &E,
    db: DatabaseConnection,
    connections: u32,
    reuse: bool,
    request: async_graphql::Request,
) -> async_graphql::Response {
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
    let slots = Slots::new(connections);
    let loader = DataLoader::with_cache(
        DbLoader::new(db.clone(), Some(slots.clone())),
        move |batch| {
            let _ = tx.unbounded_send(batch);
        },
        HashMapCache::default(),
    )
    .delay(std::time::Duration::ZERO);
    loader.enable_all_cache(reuse);
    let request = request.data(loader).data(slots).data(ReadFrom(db));
    let mut execution = pin!(executor.execute(request));
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
                .poll(&mut std::task::Context::from_waker(&execution_waker))
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
