//! The statements of bearer tokens: only a token's hash is ever stored or compared.

use chrono::{DateTime, Utc};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};

use super::{Db, Sql};

/// A stored token as `token list` shows it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TokenInfo {
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// The role name of the unrevoked token whose hash is `token_hash`.
pub async fn role_of(db: &Db, token_hash: &str) -> Result<Option<String>, DbErr> {
    let mut sql = Sql::new(db.backend());
    sql.push("SELECT role FROM api_token WHERE token_hash = ")
        .bind(token_hash.to_owned())
        .push(" AND revoked_at IS NULL");
    match db.read.query_one_raw(sql.build()).await? {
        Some(row) => Ok(Some(row.try_get("", "role")?)),
        None => Ok(None),
    }
}

/// Stores a token by name, role and hash; a unique-key violation means the name is taken.
pub async fn insert(db: &Db, name: &str, role: &str, token_hash: &str) -> Result<(), DbErr> {
    let mut sql = Sql::new(db.backend());
    sql.push("INSERT INTO api_token (name, role, token_hash, created_at) VALUES (")
        .bind(name.to_owned())
        .push(", ")
        .bind(role.to_owned())
        .push(", ")
        .bind(token_hash.to_owned())
        .push(", ")
        .bind(Utc::now())
        .push(")");
    db.write.execute_raw(sql.build()).await?;
    Ok(())
}

/// Every token, oldest first.
pub async fn list(db: &Db) -> Result<Vec<TokenInfo>, DbErr> {
    let mut sql = Sql::new(db.backend());
    sql.push("SELECT name, role, created_at, revoked_at FROM api_token ORDER BY id");
    TokenInfo::find_by_statement(sql.build()).all(&db.read).await
}

/// Revokes the token named `name`; false when there is no unrevoked token of that name.
pub async fn revoke(db: &Db, name: &str) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.backend());
    sql.push("UPDATE api_token SET revoked_at = ")
        .bind(Utc::now())
        .push(" WHERE name = ")
        .bind(name.to_owned())
        .push(" AND revoked_at IS NULL");
    Ok(db.write.execute_raw(sql.build()).await?.rows_affected() > 0)
}
