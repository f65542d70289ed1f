//! Bearer tokens and roles.
//!
//! A token is `cg_` followed by 43 base64url characters (32 random bytes). It is shown once, when it
//! is created, and only its SHA-256 (hex) is stored: a token of that much entropy needs no slow hash,
//! and a lookup is one indexed equality. Tokens carry a role: `importer` writes, `admin` also deletes.
//! A revoked token is refused like an unknown one.

use std::process::ExitCode;

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use base64::Engine;
use chrono::{DateTime, Utc};
use clap::{Subcommand, ValueEnum};
use sea_orm::{ConnectionTrait, DbErr, FromQueryResult};
use sha2::{Digest, Sha256};

use crate::db::Db;
use crate::error::ApiError;
use crate::sql::Sql;

/// What a token may do.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Role {
    /// Posts reports, upserts regions, metrics and programs, imports NDJSON.
    Importer,
    /// Everything an importer does, and deletes reports.
    Admin,
}

impl Role {
    /// The stored name.
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Importer => "importer",
            Role::Admin => "admin",
        }
    }

    /// Parses the stored name.
    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "importer" => Some(Role::Importer),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }

    /// Whether this role may do what `needed` may.
    pub fn allows(self, needed: Role) -> bool {
        self == Role::Admin || self == needed
    }
}

/// Who sent a request, as far as its `Authorization` header tells.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Caller {
    /// No `Authorization` header.
    Anonymous,
    /// A header whose token is malformed, unknown or revoked.
    InvalidToken,
    /// A valid token with its role.
    Token(Role),
}

impl Caller {
    /// The role of a valid token.
    pub fn role(self) -> Option<Role> {
        match self {
            Caller::Token(role) => Some(role),
            _ => None,
        }
    }

    /// The caller's role if it allows `needed`: `UNAUTHENTICATED` without a valid token, `FORBIDDEN`
    /// with a token of a role that does not allow it.
    pub fn require(self, needed: Role) -> Result<Role, ApiError> {
        match self {
            Caller::Anonymous => Err(ApiError::Unauthenticated(
                "this operation needs a token: send `Authorization: Bearer TOKEN`".into(),
            )),
            Caller::InvalidToken => Err(ApiError::Unauthenticated(
                "the bearer token is invalid or revoked".into(),
            )),
            Caller::Token(role) if role.allows(needed) => Ok(role),
            Caller::Token(role) => Err(ApiError::Forbidden(format!(
                "a token with role `{}` may not do this: it needs role `{}`",
                role.as_str(),
                needed.as_str()
            ))),
        }
    }

    /// The caller's role if the token is valid, whatever the role (for reads of a private server).
    pub fn require_token(self) -> Result<Role, ApiError> {
        match self {
            Caller::Token(role) => Ok(role),
            other => other.require(Role::Importer),
        }
    }
}

/// The caller of a GraphQL operation (anonymous when the request carries none).
pub fn caller(ctx: &async_graphql::Context<'_>) -> Caller {
    ctx.data_opt::<Caller>().copied().unwrap_or(Caller::Anonymous)
}

/// The token of an `Authorization` header value of the form `Bearer TOKEN`.
pub fn bearer_token(value: &str) -> Option<&str> {
    let (scheme, token) = value.trim().split_once(' ')?;
    let token = token.trim();
    (scheme.eq_ignore_ascii_case("bearer") && !token.is_empty()).then_some(token)
}

/// Who sent a request with these headers (looks the token up).
pub async fn caller_from_headers(db: &Db, headers: &HeaderMap) -> Result<Caller, DbErr> {
    let Some(value) = headers.get(AUTHORIZATION) else {
        return Ok(Caller::Anonymous);
    };
    let Ok(value) = value.to_str() else {
        return Ok(Caller::InvalidToken);
    };
    caller_from_authorization(db, Some(value)).await
}

/// Who sent a request with this `Authorization` value (`Bearer TOKEN`), if any.
pub async fn caller_from_authorization(db: &Db, value: Option<&str>) -> Result<Caller, DbErr> {
    let Some(value) = value else {
        return Ok(Caller::Anonymous);
    };
    let Some(token) = bearer_token(value) else {
        return Ok(Caller::InvalidToken);
    };
    Ok(match authenticate(db, token).await? {
        Some(role) => Caller::Token(role),
        None => Caller::InvalidToken,
    })
}

/// The role of `token` if it is a valid, unrevoked token.
pub async fn authenticate(db: &Db, token: &str) -> Result<Option<Role>, DbErr> {
    if !token.starts_with(TOKEN_PREFIX) || token.len() > 200 {
        return Ok(None);
    }
    let mut sql = Sql::new(db.backend());
    sql.push("SELECT role FROM api_token WHERE token_hash = ")
        .bind(hash_token(token))
        .push(" AND revoked_at IS NULL");
    let Some(row) = db.read.query_one_raw(sql.build()).await? else {
        return Ok(None);
    };
    let role: String = row.try_get("", "role")?;
    Ok(Role::parse(&role))
}

/// What every token starts with, so that a leaked one is recognizable.
pub const TOKEN_PREFIX: &str = "cg_";

/// A new random token: `cg_` and 32 random bytes in base64url.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// The stored form of a token: its SHA-256, hex-encoded.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Why a token could not be created.
#[derive(Debug, thiserror::Error)]
pub enum TokenError {
    #[error("a token name must be 1 to 100 characters long")]
    BadName,
    #[error("a token named `{0}` already exists (names stay taken after revocation)")]
    NameTaken(String),
    #[error(transparent)]
    Db(#[from] DbErr),
}

/// Creates a token named `name` with `role` and answers it; only its hash is stored.
pub async fn create_token(db: &Db, name: &str, role: Role) -> Result<String, TokenError> {
    let n = name.chars().count();
    if n == 0 || n > 100 || name.trim() != name {
        return Err(TokenError::BadName);
    }
    let token = generate_token();
    let mut sql = Sql::new(db.backend());
    sql.push("INSERT INTO api_token (name, role, token_hash, created_at) VALUES (")
        .bind(name.to_owned())
        .push(", ")
        .bind(role.as_str())
        .push(", ")
        .bind(hash_token(&token))
        .push(", ")
        .bind(Utc::now())
        .push(")");
    match db.write.execute_raw(sql.build()).await {
        Ok(_) => Ok(token),
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            Err(TokenError::NameTaken(name.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
}

/// A token as `token list` shows it: never the token itself.
#[derive(Debug, Clone, PartialEq, Eq, FromQueryResult)]
pub struct TokenInfo {
    pub name: String,
    pub role: String,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// Every token, oldest first.
pub async fn list_tokens(db: &Db) -> Result<Vec<TokenInfo>, DbErr> {
    let mut sql = Sql::new(db.backend());
    sql.push("SELECT name, role, created_at, revoked_at FROM api_token ORDER BY id");
    TokenInfo::find_by_statement(sql.build()).all(&db.read).await
}

/// Revokes the token named `name`; false when there is no unrevoked token of that name.
pub async fn revoke_token(db: &Db, name: &str) -> Result<bool, DbErr> {
    let mut sql = Sql::new(db.backend());
    sql.push("UPDATE api_token SET revoked_at = ")
        .bind(Utc::now())
        .push(" WHERE name = ")
        .bind(name.to_owned())
        .push(" AND revoked_at IS NULL");
    Ok(db.write.execute_raw(sql.build()).await?.rows_affected() > 0)
}

/// `civicgraph token …`.
#[derive(Subcommand, Debug)]
pub enum TokenCommand {
    /// Create a token and print it (alone, on standard output); it cannot be shown again.
    Create {
        /// A unique name for the token (who or what uses it).
        #[arg(long)]
        name: String,
        /// What the token may do: `importer` writes, `admin` also deletes.
        #[arg(long, value_enum)]
        role: Role,
    },
    /// List the tokens (names, roles, dates; never the tokens).
    List,
    /// Revoke the token named NAME: requests with it are refused from now on.
    Revoke {
        /// The token's name.
        name: String,
    },
}

/// Runs a `token` command against `db`.
pub async fn run_command(db: &Db, command: TokenCommand) -> anyhow::Result<ExitCode> {
    match command {
        TokenCommand::Create { name, role } => match create_token(db, &name, role).await {
            Ok(token) => {
                println!("{token}");
                eprintln!(
                    "created {} token `{name}`: keep it now, it is stored only as a hash",
                    role.as_str()
                );
                Ok(ExitCode::SUCCESS)
            }
            Err(TokenError::Db(e)) => Err(e.into()),
            Err(e) => {
                eprintln!("error: {e}");
                Ok(ExitCode::FAILURE)
            }
        },
        TokenCommand::List => {
            let tokens = list_tokens(db).await?;
            let width = tokens
                .iter()
                .map(|t| t.name.chars().count())
                .max()
                .unwrap_or(4)
                .max(4);
            println!("{:<width$}  {:<8}  {:<20}  REVOKED", "NAME", "ROLE", "CREATED");
            let time = |t: &DateTime<Utc>| t.format("%Y-%m-%dT%H:%M:%SZ").to_string();
            for t in &tokens {
                let revoked = t.revoked_at.as_ref().map(time).unwrap_or_else(|| "-".into());
                println!(
                    "{:<width$}  {:<8}  {:<20}  {revoked}",
                    t.name,
                    t.role,
                    time(&t.created_at)
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        TokenCommand::Revoke { name } => {
            if revoke_token(db, &name).await? {
                eprintln!("revoked token `{name}`");
                Ok(ExitCode::SUCCESS)
            } else {
                eprintln!("error: there is no unrevoked token named `{name}`");
                Ok(ExitCode::FAILURE)
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_are_random_prefixed_and_hashed() {
        let a = generate_token();
        let b = generate_token();
        assert_ne!(a, b);
        assert!(a.starts_with("cg_") && a.len() == 3 + 43, "{a}");
        assert_eq!(hash_token(&a).len(), 64);
        assert_ne!(hash_token(&a), hash_token(&b));
    }

    #[test]
    fn bearer_headers_parse() {
        assert_eq!(bearer_token("Bearer cg_x"), Some("cg_x"));
        assert_eq!(bearer_token("bearer  cg_x "), Some("cg_x"));
        assert_eq!(bearer_token("Basic abc"), None);
        assert_eq!(bearer_token("Bearer"), None);
    }

    #[test]
    fn roles_nest() {
        assert!(Role::Admin.allows(Role::Importer));
        assert!(!Role::Importer.allows(Role::Admin));
        assert_eq!(
            Caller::Token(Role::Importer)
                .require(Role::Admin)
                .unwrap_err()
                .code(),
            "FORBIDDEN"
        );
        assert_eq!(
            Caller::InvalidToken.require(Role::Importer).unwrap_err().code(),
            "UNAUTHENTICATED"
        );
        assert_eq!(
            Caller::Anonymous.require_token().unwrap_err().code(),
            "UNAUTHENTICATED"
        );
        assert_eq!(Caller::Token(Role::Importer).require_token(), Ok(Role::Importer));
    }
}
