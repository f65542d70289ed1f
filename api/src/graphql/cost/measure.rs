//! The walk that measures a document: cost, depth, root fields and aliases, each named fragment
//! measured once.

use std::collections::HashMap;

use async_graphql::parser::types::{
    DocumentOperations, ExecutableDocument, Field, OperationType, Selection, SelectionSet,
};
use async_graphql::registry::{self, MetaType, MetaTypeName, Registry};
use async_graphql::{Name, Pos, Positioned, Value as ConstValue, Variables};
use async_graphql_value::Value;

use super::{AGGREGATION_COST, BAD_INPUT, CostLimits, LIST_SIZE, MAX_NESTING, Refusal};

/// What a document measures: for cost, depth and root fields, the largest of its operations.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct QueryCost {
    /// The estimated work: see the module documentation of [`super`].
    pub cost: u64,
    /// The deepest nesting of fields.
    pub depth: usize,
    /// The fields selected at the root, after expanding fragments.
    pub root_fields: u64,
    /// The aliased fields written in the document.
    pub aliases: u64,
}

/// Measures every operation of `document` (async-graphql validates them all, whichever runs) with the
/// request's `variables`, and, where a variable is not given, the default declared by the operation
/// that runs (`operation_name`, or the only one). A fragment that spreads itself is a `BAD_INPUT`
/// refusal; selections nested deeper than [`MAX_NESTING`] are `TOO_COMPLEX`.
pub fn measure(
    registry: &Registry,
    document: &ExecutableDocument,
    operation_name: Option<&str>,
    variables: &Variables,
    limits: &CostLimits,
) -> Result<QueryCost, Refusal> {
    let mut walk = Walk {
        registry,
        document,
        arguments: Arguments::new(document, operation_name, variables, limits),
        fragments: HashMap::new(),
        spreading: Vec::new(),
        nesting: 0,
        aliases: 0,
    };
    let mut measured = QueryCost::default();
    for (_, operation) in document.operations.iter() {
        let root = match operation.node.ty {
            OperationType::Query => Some(registry.query_type.as_str()),
            OperationType::Mutation => registry.mutation_type.as_deref(),
            OperationType::Subscription => registry.subscription_type.as_deref(),
        };
        let root = root.and_then(|name| registry.types.get(name));
        let tally = walk.selection_set(&operation.node.selection_set.node, root)?;
        measured.cost = measured.cost.max(tally.cost.saturating_add(tally.per_item));
        measured.depth = measured.depth.max(tally.depth);
        measured.root_fields = measured.root_fields.max(tally.fields);
    }
    measured.aliases = walk.aliases;
    Ok(measured)
}

/// What a selection set measures. It depends only on the selection set, its type and the request's
/// variables, so a fragment's tally is computed once and added wherever the fragment is spread.
#[derive(Clone, Copy, Debug, Default)]
struct Tally {
    /// The cost of what is selected once per parent object.
    cost: u64,
    /// In a connection's selection, the cost of one item (`edges`, `nodes`): the connection field
    /// multiplies it by its page size.
    per_item: u64,
    /// The deepest nesting of fields (a scalar field alone: 1).
    depth: usize,
    /// The deepest nesting of fields, inline fragments and spreads.
    nesting: usize,
    /// The fields at the top level, through fragments.
    fields: u64,
}

impl Tally {
    /// Adds the tally of a selection found at this level (a field, a spread, an inline fragment).
    fn add(&mut self, other: Tally) {
        self.cost = self.cost.saturating_add(other.cost);
        self.per_item = self.per_item.saturating_add(other.per_item);
        self.depth = self.depth.max(other.depth);
        self.nesting = self.nesting.max(other.nesting);
        self.fields = self.fields.saturating_add(other.fields);
    }
}

/// A named fragment's state during the walk.
enum Fragment {
    /// Being measured: spreading it again is a cycle.
    InProgress,
    Measured(Tally),
}

struct Walk<'a> {
    registry: &'a Registry,
    document: &'a ExecutableDocument,
    arguments: Arguments<'a>,
    fragments: HashMap<&'a str, Fragment>,
    /// The fragments being measured, outermost first (for the message of a cycle).
    spreading: Vec<&'a str>,
    /// How deep the walk is now, in fields, inline fragments and spreads.
    nesting: usize,
    aliases: u64,
}

impl<'a> Walk<'a> {
    /// Measures `set`, selected on `ty` (`None` when the type is unknown: validation will refuse the
    /// query, but it is still measured so that async-graphql's own walks stay bounded).
    fn selection_set(&mut self, set: &'a SelectionSet, ty: Option<&'a MetaType>) -> Result<Tally, Refusal> {
        let level = self.nesting;
        let mut tally = Tally::default();
        for selection in &set.items {
            // Bounds the walk's own recursion.
            self.nesting = level + 1;
            if self.nesting > MAX_NESTING {
                return Err(too_deep(selection.pos));
            }
            let mut item = match &selection.node {
                Selection::Field(field) => self.field(&field.node, ty)?,
                Selection::FragmentSpread(spread) => self.fragment(&spread.node.fragment_name)?,
                Selection::InlineFragment(inline) => {
                    let on = match &inline.node.type_condition {
                        Some(condition) => self.registry.types.get(condition.node.on.node.as_str()),
                        None => ty,
                    };
                    self.selection_set(&inline.node.selection_set.node, on)?
                }
            };
            self.nesting = level;
            item.nesting += 1;
            // A fragment measured elsewhere may nest deeper here than it did there.
            if level + item.nesting > MAX_NESTING {
                return Err(too_deep(selection.pos));
            }
            tally.add(item);
        }
        Ok(tally)
    }

    /// The tally of the named fragment, measured on its first spread.
    fn fragment(&mut self, name: &'a Positioned<Name>) -> Result<Tally, Refusal> {
        let key = name.node.as_str();
        match self.fragments.get(key) {
            Some(Fragment::Measured(tally)) => return Ok(*tally),
            Some(Fragment::InProgress) => {
                let start = self.spreading.iter().position(|f| *f == key).unwrap_or(0);
                let mut cycle = self.spreading[start..].join(" → ");
                cycle.push_str(&format!(" → {key}"));
                return Err(Refusal {
                    code: BAD_INPUT,
                    message: format!("fragment `{key}` spreads itself: {cycle}"),
                    pos: Some(name.pos),
                });
            }
            None => {}
        }
        // An unknown fragment measures nothing; validation names it.
        let Some(definition) = self.document.fragments.get(&name.node) else {
            return Ok(Tally::default());
        };
        self.fragments.insert(key, Fragment::InProgress);
        self.spreading.push(key);
        let on = self
            .registry
            .types
            .get(definition.node.type_condition.node.on.node.as_str());
        let tally = self.selection_set(&definition.node.selection_set.node, on);
        self.spreading.pop();
        let tally = tally?;
        self.fragments.insert(key, Fragment::Measured(tally));
        Ok(tally)
    }

    /// Refuses a string literal given for an enum argument (`level: "TOWN"`): async-graphql would take
    /// it, though the GraphQL spec writes enum values without quotes.
    fn check_enum_literals(&self, field: &Field, meta: &registry::MetaField) -> Result<(), Refusal> {
        for (name, value) in &field.arguments {
            let Value::String(text) = &value.node else {
                continue;
            };
            let Some(argument) = meta.args.get(name.node.as_str()) else {
                continue;
            };
            let base = MetaTypeName::concrete_typename(&argument.ty);
            if let Some(MetaType::Enum { .. }) = self.registry.types.get(base) {
                return Err(Refusal {
                    code: BAD_INPUT,
                    message: format!(
                        "{}({}:): \"{text}\" is a string; write the {base} value without quotes: {text}",
                        field.name.node, name.node
                    ),
                    pos: Some(value.pos),
                });
            }
        }
        Ok(())
    }

    /// The tally of one field selected on `parent`.
    fn field(&mut self, field: &'a Field, parent: Option<&'a MetaType>) -> Result<Tally, Refusal> {
        if field.alias.is_some() {
            self.aliases += 1;
        }
        let name = field.name.node.as_str();
        let meta = parent.and_then(|p| p.field_by_name(name));
        if let Some(meta) = meta {
            self.check_enum_literals(field, meta)?;
        }
        let of_type = meta.and_then(|m| self.registry.concrete_type_by_name(&m.ty));
        let child = self.selection_set(&field.selection_set.node, of_type)?;
        let is_list = meta.is_some_and(|m| MetaTypeName::create(&m.ty).is_list());
        let in_connection = parent.is_some_and(|p| is_connection(p.name()));
        let selected = if of_type.is_some_and(|t| is_connection(t.name())) {
            let page = self.arguments.page_size(field);
            child.cost.saturating_add(page.saturating_mul(child.per_item))
        } else {
            // Outside a connection's selection, `per_item` is 0.
            let once = child.cost.saturating_add(child.per_item);
            if is_list && !in_connection && !field.selection_set.node.items.is_empty() {
                LIST_SIZE.saturating_mul(once)
            } else {
                once
            }
        };
        let aggregations = if parent.is_some_and(|p| p.name() == self.registry.query_type) {
            self.arguments.aggregations(field)
        } else {
            0
        };
        let cost = 1u64
            .saturating_add(AGGREGATION_COST.saturating_mul(aggregations))
            .saturating_add(selected);
        let (cost, per_item) = if is_list && in_connection {
            (0, cost)
        } else {
            (cost, 0)
        };
        Ok(Tally {
            cost,
            per_item,
            depth: child.depth + 1,
            nesting: child.nesting,
            fields: 1,
        })
    }
}

/// The refusal of selections nested deeper than [`MAX_NESTING`].
fn too_deep(pos: Pos) -> Refusal {
    Refusal::too_complex(format!(
        "selections nest deeper than {MAX_NESTING} levels (counting fields, inline fragments and spreads)"
    ))
    .at(pos)
}

/// Whether `type_name` is a Relay connection, whose items are paged by `first`.
fn is_connection(type_name: &str) -> bool {
    type_name.ends_with("Connection")
}

/// Resolves argument values: literals, the request's variables, else the running operation's
/// defaults.
struct Arguments<'a> {
    variables: &'a Variables,
    defaults: HashMap<&'a str, &'a ConstValue>,
    /// The page size of a connection without `first`.
    default_page: u64,
    /// The largest page size.
    max_page: u64,
}

impl<'a> Arguments<'a> {
    fn new(
        document: &'a ExecutableDocument,
        operation_name: Option<&str>,
        variables: &'a Variables,
        limits: &CostLimits,
    ) -> Self {
        let running = match (&document.operations, operation_name) {
            (DocumentOperations::Single(operation), _) => Some(operation),
            (DocumentOperations::Multiple(operations), Some(name)) => operations.get(name),
            (DocumentOperations::Multiple(operations), None) if operations.len() == 1 => {
                operations.values().next()
            }
            (DocumentOperations::Multiple(_), None) => None,
        };
        let defaults = running
            .into_iter()
            .flat_map(|operation| &operation.node.variable_definitions)
            .filter_map(|definition| {
                let default = definition.node.default_value()?;
                Some((definition.node.name.node.as_str(), default))
            })
            .collect();
        Arguments {
            variables,
            defaults,
            default_page: limits.default_page,
            max_page: limits.max_page,
        }
    }

    /// The value of argument `name` of `field`; `None` when absent or null.
    fn value(&self, field: &Field, name: &str) -> Option<ConstValue> {
        let value = field
            .get_argument(name)?
            .node
            .clone()
            .into_const_with(|variable| {
                self.variables
                    .get(&variable)
                    .or_else(|| self.defaults.get(variable.as_str()).copied())
                    .cloned()
                    .ok_or(())
            });
        let value = value.ok()?;
        (value != ConstValue::Null).then_some(value)
    }

    /// The page size of a connection field: `first` capped at the largest page, the default page
    /// when not given, and at least 1, so that what the page selects is always counted.
    fn page_size(&self, field: &Field) -> u64 {
        let max = self.max_page.max(1) as i64;
        let first = match self.value(field, "first") {
            Some(ConstValue::Number(n)) => n.as_i64().unwrap_or(max),
            _ => self.default_page as i64,
        };
        first.clamp(1, max) as u64
    }

    /// How many SQL aggregations a root field runs.
    fn aggregations(&self, field: &Field) -> u64 {
        match field.name.node.as_str() {
            "aggregate" | "extract" => 1,
            "compare" => {
                let baseline = ["baselineFrom", "baselineTo"]
                    .iter()
                    .any(|name| self.value(field, name).is_some());
                2 + u64::from(baseline)
            }
            _ => 0,
        }
    }
}
