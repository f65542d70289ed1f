//! The parsed documents of recently seen query texts: clients send the same few queries again and
//! again with new variables, and parsing is a large part of answering a small query.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use async_graphql::parser::types::ExecutableDocument;
use lru::LruCache;

/// How many query texts are remembered (the least recently used is forgotten first).
pub const PARSED_QUERIES: usize = 32;
/// Longer query texts are parsed every time. Sending 32 distinct texts of the densest kind
/// (`{ a(b:1) a(b:1) … }`) just under this bound, over and over, raised the server's RSS by 12 MiB;
/// the benchmark's and most dashboard queries are shorter.
pub const PARSED_QUERY_BYTES: usize = 1024;

/// A bounded cache from query text to its parsed document. Only documents that parsed are kept; what
/// is done with a document (measuring its cost, validating it) is done again for every request.
pub struct ParsedQueries(Mutex<LruCache<Box<str>, Arc<ExecutableDocument>>>);

impl Default for ParsedQueries {
    fn default() -> Self {
        let entries = NonZeroUsize::new(PARSED_QUERIES).unwrap_or(NonZeroUsize::MIN);
        ParsedQueries(Mutex::new(LruCache::new(entries)))
    }
}

impl ParsedQueries {
    /// The parsed document of `query`, shared: from the cache or parsed now (and then kept when it
    /// parsed and is short enough). A query that does not parse gives the parser's error.
    pub fn document(&self, query: &str) -> async_graphql::parser::Result<Arc<ExecutableDocument>> {
        if let Some(document) = self.lock().get(query).cloned() {
            return Ok(document);
        }
        let document = Arc::new(async_graphql::parser::parse_query(query)?);
        if query.len() <= PARSED_QUERY_BYTES {
            self.lock().put(query.into(), document.clone());
        }
        Ok(document)
    }

    /// The parsed document of `query`, a copy of its own (for a request to execute).
    pub fn parse(&self, query: &str) -> async_graphql::parser::Result<ExecutableDocument> {
        self.document(query).map(|document| (*document).clone())
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, LruCache<Box<str>, Arc<ExecutableDocument>>> {
        // A panic while holding the lock leaves a cache that is still consistent: use it.
        self.0.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_query_parsed_again_is_the_same_document_and_the_cache_stays_bounded() {
        let cache = ParsedQueries::default();
        let first = cache
            .parse("{ regions { totalCount } }")
            .map(|d| format!("{d:?}"));
        let again = cache
            .parse("{ regions { totalCount } }")
            .map(|d| format!("{d:?}"));
        assert_eq!(first.ok(), again.ok());
        assert!(cache.parse("{ regions {").is_err());
        for n in 0..PARSED_QUERIES + 10 {
            assert!(cache.parse(&format!("{{ a{n}: __typename }}")).is_ok());
        }
        assert_eq!(cache.lock().len(), PARSED_QUERIES);
        let long = format!("{{ {} }}", "__typename ".repeat(PARSED_QUERY_BYTES / 10));
        assert!(cache.parse(&long).is_ok());
        assert!(!cache.lock().contains(long.as_str()));
    }
}
