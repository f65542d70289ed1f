//! Predicates that keep rows within a region's subtree, shared by the read API, the aggregation engine
//! and exports.

use entity::region;

use super::Sql;
use crate::domain::RegionPath;

/// Appends `AND` conditions that keep rows (with ancestor columns, aliased `alias`) within `region`:
/// equalities on the region's whole path down to its own level, so the scope index is used as a prefix.
pub fn push_within_path(sql: &mut Sql, alias: &str, region: &region::Model) {
    for (level, id) in RegionPath::of(region).down_to(region.level) {
        sql.push(&format!(" AND {alias}.{} = ", level.column())).bind(id);
    }
}

/// Appends ` AND {column} IN (regions within region)`, for tables that hold only a region id.
pub fn push_region_within(sql: &mut Sql, column: &str, region: &region::Model) {
    sql.push(&format!(
        " AND {column} IN (SELECT id FROM region WHERE {} = ",
        region.level.column()
    ));
    sql.bind(region.id).push(")");
}

/// Appends ` AND {alias}.{level column} = id`: rows of the region table (or any table with the ancestor
/// columns) within `region`, by its own level only.
pub fn push_region_subtree(sql: &mut Sql, alias: &str, region: &region::Model) {
    sql.push(&format!(" AND {alias}.{} = ", region.level.column()))
        .bind(region.id);
}
