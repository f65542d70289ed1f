//! Input hygiene at the edge: text that no backend stores the same way is refused before a request
//! runs, naming where it is. A NUL character is refused by PostgreSQL and kept by SQLite, so it is
//! refused everywhere, in variables and in the literal arguments of the document alike.

use async_graphql::Positioned;
use async_graphql::parser::types::{ExecutableDocument, Selection, SelectionSet};
use async_graphql_value::{Name, Value};

use crate::error::ApiError;
use crate::interchange::record::{NUL_MESSAGE, nul_path};

/// `BAD_INPUT` naming the variable (`$r.observations[0].quote`) or the argument (`reports(search:)`)
/// whose text holds a NUL character.
pub fn check(request: &async_graphql::Request) -> Result<(), ApiError> {
    for (name, value) in request.variables.iter() {
        if let Some(path) = value
            .clone()
            .into_json()
            .ok()
            .and_then(|v| nul_path(&v, String::new()))
        {
            let at = if path.is_empty() {
                format!("${name}")
            } else {
                format!("${name}.{path}")
            };
            return Err(ApiError::bad_input(format!("{at}: {NUL_MESSAGE}")));
        }
    }
    if !request.query.contains("\\u0000") && !request.query.contains('\0') {
        return Ok(());
    }
    // Unparsable documents are left to execution, which says what is wrong with them.
    let Ok(document) = async_graphql::parser::parse_query(&request.query) else {
        return Ok(());
    };
    match first_nul_argument(&document) {
        Some(at) => Err(ApiError::bad_input(format!("{at}: {NUL_MESSAGE}"))),
        None => Ok(()),
    }
}

/// `field(argument:)` of the first literal argument whose text holds a NUL character.
fn first_nul_argument(document: &ExecutableDocument) -> Option<String> {
    let operations = document.operations.iter().map(|(_, op)| &op.node.selection_set);
    let fragments = document.fragments.values().map(|f| &f.node.selection_set);
    operations.chain(fragments).find_map(in_selection_set)
}

fn in_selection_set(set: &Positioned<SelectionSet>) -> Option<String> {
    set.node.items.iter().find_map(|item| match &item.node {
        Selection::Field(field) => {
            let field = &field.node;
            let argument = field
                .arguments
                .iter()
                .find(|(_, value)| holds_nul(&value.node))
                .map(|(name, _): &(Positioned<Name>, _)| format!("{}({}:)", field.name.node, name.node));
            argument.or_else(|| in_selection_set(&field.selection_set))
        }
        Selection::InlineFragment(fragment) => in_selection_set(&fragment.node.selection_set),
        Selection::FragmentSpread(_) => None,
    })
}

fn holds_nul(value: &Value) -> bool {
    match value {
        Value::String(s) => s.contains('\0'),
        Value::List(items) => items.iter().any(holds_nul),
        Value::Object(fields) => fields.values().any(holds_nul),
        _ => false,
    }
}
