//! Relay connections: `first`/`after` arguments, opaque cursors and `totalCount`.
//!
//! Top-level lists page by key (the cursor holds the last row's sort key), so deep pages stay fast;
//! relation fields page by position inside their parent.

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::Loader;
use async_graphql::{Context, SimpleObject};
use base64::Engine;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use super::context;
use super::loaders::DbLoader;
use crate::config::Config;
use crate::error::{ApiError, ApiResult};
use crate::store::reads::{Limit, Rows};
use crate::store::relations::Window;

/// The extra field every connection has.
#[derive(SimpleObject, Clone, Copy, Debug)]
pub struct TotalCount {
    /// How many rows match, over all pages.
    pub total_count: i64,
}

/// A page of `T`.
pub type Page<T> = Connection<String, T, TotalCount>;

/// The page size for `first`: the configured default when absent, clamped to the configured maximum.
pub fn page_size(first: Option<i32>, config: &Config) -> ApiResult<u64> {
    match first {
        None => Ok(config.default_page_size.min(config.max_page_size)),
        Some(n) if n < 0 => Err(ApiError::bad_input(format!("first: must be ≥ 0, got {n}"))),
        Some(n) => Ok((n as u64).min(config.max_page_size)),
    }
}

/// How much of a top-level list to read for `first`: the page, and the total when the query asks for
/// `totalCount`.
pub fn limit(ctx: &Context<'_>, first: Option<i32>) -> async_graphql::Result<Limit> {
    Ok(Limit {
        first: page_size(first, context::config(ctx)?)?,
        with_total: ctx.look_ahead().field("totalCount").exists(),
    })
}

/// The loader window of a relation field for its `first` and `after`, counting all the parent's rows
/// only when the query selects `totalCount`.
pub fn window(ctx: &Context<'_>, first: Option<i32>, after: Option<String>) -> async_graphql::Result<Window> {
    let total = ctx.look_ahead().field("totalCount").exists();
    Ok(window_of(context::config(ctx)?, first, after.as_deref(), total)?)
}

/// The window of [`window`] for `first`, `after` and whether `totalCount` is selected.
pub fn window_of(config: &Config, first: Option<i32>, after: Option<&str>, total: bool) -> ApiResult<Window> {
    Ok(Window {
        first: page_size(first, config)?,
        offset: decode_offset(after)?,
        total,
    })
}

/// A page of a relation field, loaded through the request's loader.
pub async fn relation_page<K, M, N: async_graphql::OutputType>(
    ctx: &Context<'_>,
    key: K,
    window: Window,
    node: impl Fn(M) -> N,
) -> async_graphql::Result<Page<N>>
where
    K: Send + Sync + std::hash::Hash + Eq + Clone + 'static,
    DbLoader: Loader<K, Value = Rows<M>, Error = async_graphql::Error>,
{
    let rows = context::loaders(ctx)?
        .load_one(key)
        .await?
        .unwrap_or_else(Rows::empty);
    Ok(page(
        rows,
        window.first,
        window.offset > 0,
        |i, _| offset_cursor(window.offset, i),
        node,
    ))
}

/// Encodes a sort key as an opaque cursor.
pub fn encode_cursor(key: &str) -> String {
    URL_SAFE_NO_PAD.encode(key)
}

/// Decodes a cursor made by [`encode_cursor`].
pub fn decode_cursor(cursor: &str) -> ApiResult<String> {
    URL_SAFE_NO_PAD
        .decode(cursor)
        .ok()
        .and_then(|b| String::from_utf8(b).ok())
        .ok_or_else(|| ApiError::bad_input(format!("after: `{cursor}` is not a cursor of this list")))
}

/// Decodes a positional cursor of a relation field.
pub fn decode_offset(cursor: Option<&str>) -> ApiResult<u64> {
    let Some(cursor) = cursor else { return Ok(0) };
    decode_cursor(cursor)?
        .strip_prefix("pos:")
        .and_then(|n| n.parse().ok())
        .ok_or_else(|| ApiError::bad_input(format!("after: `{cursor}` is not a cursor of this list")))
}

/// Builds a page from up to `first + 1` rows (the extra one tells that there is a next page).
pub fn page<R, N: async_graphql::OutputType>(
    rows: Rows<R>,
    first: u64,
    has_previous: bool,
    cursor: impl Fn(usize, &R) -> String,
    node: impl Fn(R) -> N,
) -> Page<N> {
    let Rows { mut rows, total } = rows;
    let has_next = rows.len() as u64 > first;
    rows.truncate(first as usize);
    let mut connection =
        Connection::with_additional_fields(has_previous, has_next, TotalCount { total_count: total });
    connection.edges.extend(
        rows.into_iter()
            .enumerate()
            .map(|(i, r)| Edge::new(cursor(i, &r), node(r))),
    );
    connection
}

/// The cursor of the row at `index` of a positional page starting after `offset` rows.
pub fn offset_cursor(offset: u64, index: usize) -> String {
    encode_cursor(&format!("pos:{}", offset + index as u64 + 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_is_capped_and_checked() {
        let config = Config::default();
        assert_eq!(page_size(None, &config).unwrap(), 20);
        assert_eq!(page_size(Some(1000), &config).unwrap(), 100);
        assert_eq!(page_size(Some(0), &config).unwrap(), 0);
        assert!(page_size(Some(-1), &config).is_err());
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(
            decode_cursor(&encode_cursor("2022-08-20|7")).unwrap(),
            "2022-08-20|7"
        );
        assert_eq!(decode_offset(Some(&offset_cursor(10, 4))).unwrap(), 15);
        assert!(decode_offset(Some("!!")).is_err());
        assert!(decode_offset(Some(&encode_cursor("zzz"))).is_err());
    }
}
