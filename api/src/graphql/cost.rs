//! Cost analysis before execution: every request's query is measured, and refused when over the
//! [`CostLimits`], before any SQL runs and before async-graphql validates it.
//!
//! The measure ([`measure`]) walks the document once: a named fragment is measured once, wherever and
//! however often it is spread (a fragment that spreads itself is refused), so the work is linear in
//! the size of the query text. The rules, compounding through nesting:
//!
//! - a field costs 1, plus what it selects;
//! - a connection (a type named `…Connection`) costs 1 plus its page size (`first`, 20 when not given,
//!   at most 100, at least 1) times the cost of one item (what `edges` or `nodes` select), plus what it
//!   selects once (`totalCount`, `pageInfo`);
//! - another list of objects (`Region.ancestors`, `Comparison.rows`, `aggregate`…) costs [`LIST_SIZE`]
//!   times one item;
//! - `aggregate` and `compare` add [`AGGREGATION_COST`] per SQL aggregation they run;
//! - `@skip` and `@include` are not evaluated: what they may leave out is counted.
//!
//! Arguments given as variables are read from the request. With the default limits, the README's
//! examples cost at most about 10,000, GraphiQL's introspection query about 9,000 and a dashboard
//! page (a comparison with its rows and sources, a county's 100 towns with their programs) about
//! 14,000; the limit is 50,000.

mod measure;
mod parsed;
#[cfg(test)]
mod tests;

use std::sync::Arc;

use async_graphql::parser::types::{DocumentOperations, ExecutableDocument};
use async_graphql::registry::Registry;
use async_graphql::{ErrorExtensionValues, Pos, Request, ServerError, ServerResult};

use crate::config::Config;

pub use measure::{QueryCost, measure};
pub use parsed::ParsedQueries;

/// The length assumed for a list of objects that is not a connection (`Region.ancestors`,
/// `Comparison.rows`, `aggregate`…): its items' cost is multiplied by this.
pub const LIST_SIZE: u64 = 5;
/// The extra cost of one SQL aggregation (`aggregate` runs one, `compare` two, three with a baseline).
pub const AGGREGATION_COST: u64 = 1_000;
/// The deepest nesting of selections, counting fields, inline fragments and fragment spreads. It
/// bounds the stack of the analysis; it is not a setting because no sensible query comes near it.
pub const MAX_NESTING: usize = 64;

/// The `extensions.code` of a query refused for its size.
pub const TOO_COMPLEX: &str = "TOO_COMPLEX";
/// The `extensions.code` of a query that cannot be measured because it is malformed (the code of
/// [`crate::error::ApiError::BadInput`]).
pub const BAD_INPUT: &str = "BAD_INPUT";

/// The limits a query must keep to in order to run.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CostLimits {
    /// The largest cost of an operation (see the module documentation).
    pub max_cost: u64,
    /// The deepest nesting of fields (a root field with scalar fields under it has depth 2).
    pub max_depth: usize,
    /// The most aliased fields written in the document.
    pub max_aliases: u64,
    /// The most root fields an operation selects (after expanding fragments).
    pub max_root_fields: u64,
    /// The page size of a connection without `first`.
    pub default_page: u64,
    /// The largest page size (a larger `first` is clamped to it).
    pub max_page: u64,
}

impl From<&Config> for CostLimits {
    /// The limits of the configuration (`--max-cost`, `--max-depth`, …).
    fn from(config: &Config) -> Self {
        CostLimits {
            max_cost: config.max_cost,
            max_depth: config.max_depth,
            max_aliases: config.max_aliases,
            max_root_fields: config.max_root_fields,
            default_page: config.default_page_size,
            max_page: config.max_page_size,
        }
    }
}

impl CostLimits {
    /// Checks `measured` against the limits, cost first: the first one exceeded, named with the measure
    /// and the limit, as a `TOO_COMPLEX` refusal.
    pub fn check(&self, measured: &QueryCost) -> Result<(), Refusal> {
        let over = |what: &str, value: u64, limit: u64| {
            Refusal::too_complex(format!(
                "query {what} is {value}, over the limit of {limit}: select fewer fields, smaller pages \
                 (`first`) or split the query"
            ))
        };
        if measured.cost > self.max_cost {
            return Err(over("cost", measured.cost, self.max_cost));
        }
        if measured.depth > self.max_depth {
            return Err(over("depth", measured.depth as u64, self.max_depth as u64));
        }
        if measured.aliases > self.max_aliases {
            return Err(over("alias count", measured.aliases, self.max_aliases));
        }
        if measured.root_fields > self.max_root_fields {
            return Err(over(
                "root field count",
                measured.root_fields,
                self.max_root_fields,
            ));
        }
        Ok(())
    }
}

/// Why a query is refused before it runs: an `extensions.code`, a message and, where one thing is at
/// fault, its position in the query.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Refusal {
    /// [`TOO_COMPLEX`] or [`BAD_INPUT`].
    pub code: &'static str,
    /// What was measured and what the limit is, or what is malformed.
    pub message: String,
    /// Where in the query, when one place is at fault.
    pub pos: Option<Pos>,
}

impl Refusal {
    /// A `TOO_COMPLEX` refusal.
    pub fn too_complex(message: String) -> Self {
        Refusal {
            code: TOO_COMPLEX,
            message,
            pos: None,
        }
    }

    /// The same refusal, pointing at `pos`.
    pub fn at(self, pos: Pos) -> Self {
        Refusal {
            pos: Some(pos),
            ..self
        }
    }
}

impl From<Refusal> for ServerError {
    fn from(refusal: Refusal) -> Self {
        let mut error = ServerError::new(refusal.message, refusal.pos);
        let mut extensions = ErrorExtensionValues::default();
        extensions.set("code", refusal.code);
        error.extensions = Some(extensions);
        error
    }
}

/// Where a request's operation name is left for the HTTP layer (its log line and metrics) by the one
/// parse of the document: the request's `operationName`, else the name of the document's only
/// operation. Put a clone in the request's data before it runs.
#[derive(Clone, Debug, Default)]
pub struct OperationNameSlot(Arc<std::sync::OnceLock<String>>);

impl OperationNameSlot {
    /// The operation's name, once known.
    pub fn get(&self) -> Option<String> {
        self.0.get().cloned()
    }

    /// Sets the name from the request's `operation_name`, else from `document`'s only operation when
    /// it is named (the parser keeps a lone anonymous operation as `Single`).
    fn fill(&self, operation_name: Option<&str>, document: &ExecutableDocument) {
        let name = match (operation_name, &document.operations) {
            (Some(name), _) => Some(name.to_owned()),
            (None, DocumentOperations::Multiple(operations)) if operations.len() == 1 => {
                operations.keys().next().map(|name| name.to_string())
            }
            _ => None,
        };
        if let Some(name) = name {
            let _ = self.0.set(name);
        }
    }
}

/// The measure every request (query, mutation or subscription) passes before async-graphql validates
/// and runs it (see [`crate::graphql::AppSchema`]). It keeps the parsed documents of recent query
/// texts ([`ParsedQueries`]), shared by every request.
#[derive(Clone)]
pub struct CostAnalysis {
    limits: CostLimits,
    parsed: Arc<ParsedQueries>,
}

impl CostAnalysis {
    /// The analysis enforcing `limits`, keeping parsed documents in `parsed` (which the HTTP layer
    /// shares, to tell queries from mutations without parsing again).
    pub fn new(limits: CostLimits, parsed: Arc<ParsedQueries>) -> Self {
        CostAnalysis { limits, parsed }
    }

    /// Parses the query once (or takes a query text seen recently from the cache), measures it against
    /// the types of `registry` and either refuses it or hands it back with the parsed document, so
    /// async-graphql does not parse it again (and fills the request's [`OperationNameSlot`], if it
    /// carries one). A query that does not parse is handed back as it is, for async-graphql to report
    /// the syntax error.
    pub fn prepare(&self, registry: &Registry, mut request: Request) -> ServerResult<Request> {
        if let Ok(document) = self.parsed.parse(&request.query) {
            if let Some(slot) = request
                .data
                .get(&std::any::TypeId::of::<OperationNameSlot>())
                .and_then(|slot| slot.downcast_ref::<OperationNameSlot>())
            {
                slot.fill(request.operation_name.as_deref(), &document);
            }
            let measured = measure(
                registry,
                &document,
                request.operation_name.as_deref(),
                &request.variables,
                &self.limits,
            )?;
            self.limits.check(&measured)?;
            request.set_parsed_query(document);
        }
        Ok(request)
    }
}
