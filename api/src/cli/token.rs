//! `civicgraph token create|list|revoke`: the bearer tokens of importers and admins.

use std::process::ExitCode;

use base64::Engine;
use chrono::{DateTime, Utc};
use clap::Subcommand;
use sea_orm::DbErr;

use crate::auth::{Role, TOKEN_PREFIX, hash_token};
use crate::store::{Db, tokens};

/// A new random token: `cg_` and 32 random bytes in base64url.
pub fn generate_token() -> String {
    let bytes: [u8; 32] = rand::random();
    format!(
        "{TOKEN_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
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
    match tokens::insert(db, name, role.as_str(), &hash_token(&token)).await {
        Ok(()) => Ok(token),
        Err(e) if matches!(e.sql_err(), Some(sea_orm::SqlErr::UniqueConstraintViolation(_))) => {
            Err(TokenError::NameTaken(name.to_owned()))
        }
        Err(e) => Err(e.into()),
    }
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
            let tokens = tokens::list(db).await?;
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
            if tokens::revoke(db, &name).await? {
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
}
