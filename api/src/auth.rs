//! Who is calling: roles, callers and bearer tokens in `Authorization` headers.
//!
//! A token is `cg_` followed by 43 base64url characters (32 random bytes; see `cli::token`). Only its
//! SHA-256 (hex) is stored: a token of that much entropy needs no slow hash, and a lookup is one indexed
//! equality. Tokens carry a role: `importer` writes, `admin` also deletes. A revoked token is refused
//! like an unknown one.

use axum::http::HeaderMap;
use axum::http::header::AUTHORIZATION;
use clap::ValueEnum;
use sea_orm::DbErr;
use sha2::{Digest, Sha256};

use crate::error::ApiError;
use crate::store::{Db, tokens};

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
    Ok(tokens::role_of(db, &hash_token(token))
        .await?
        .as_deref()
        .and_then(Role::parse))
}

/// What every token starts with, so that a leaked one is recognizable.
pub const TOKEN_PREFIX: &str = "cg_";

/// The stored form of a token: its SHA-256, hex-encoded.
pub fn hash_token(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

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
