//! A streaming replica of the `TEST_DATABASE_URL` server for one test: `pg_basebackup -R` of the
//! whole server into a temporary directory, then PostgreSQL's own `postgres` on it, on a free loopback
//! port, stopped and removed when dropped.
//!
//! It needs the server's PostgreSQL programs on this machine (`/usr/lib/postgresql/MAJOR/bin`) and a
//! server that accepts replication connections from the test's user (a `replication` line in
//! `pg_hba.conf`); [`Replica::start`] says which is missing otherwise. Run as root, the programs run
//! as the `postgres` user (PostgreSQL refuses to run as root).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::str::FromStr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use sea_orm::sqlx::postgres::PgConnectOptions;
use sea_orm::{ConnectOptions, ConnectionTrait, Database};

use crate::process::free_port;
use crate::proxy::through;

/// A running streaming replica.
pub struct Replica {
    /// The loopback port it listens on.
    pub port: u16,
    dir: PathBuf,
    postgres: Child,
}

static REPLICAS: AtomicUsize = AtomicUsize::new(0);

impl Replica {
    /// Starts a replica of the server that `url` (`postgres://USER@HOST:PORT/DATABASE`) is on, and
    /// waits until it answers for that database; or says why it cannot.
    pub async fn start(url: &str) -> Result<Replica, String> {
        let options = PgConnectOptions::from_str(url).map_err(|e| format!("`{url}`: {e}"))?;
        let (major, settings) = primary_settings(url).await?;
        let bin = PathBuf::from(format!("/usr/lib/postgresql/{major}/bin"));
        if !bin.join("pg_basebackup").exists() || !bin.join("postgres").exists() {
            return Err(format!(
                "PostgreSQL {major}'s programs are not installed at {}",
                bin.display()
            ));
        }
        let dir = std::env::temp_dir().join(format!(
            "civicgraph-replica-{}-{}",
            std::process::id(),
            REPLICAS.fetch_add(1, Ordering::SeqCst)
        ));
        let _ = std::fs::remove_dir_all(&dir);
        let backup = as_postgres(&bin.join("pg_basebackup"))
            .args(["-h", options.get_host(), "-p", &options.get_port().to_string()])
            .args(["-U", options.get_username(), "-D"])
            .arg(&dir)
            .args(["-R", "-X", "stream", "-c", "fast", "--no-password"])
            .env("PGSSLMODE", "disable")
            .stdin(Stdio::null())
            .output()
            .map_err(|e| format!("pg_basebackup did not run: {e}"))?;
        if !backup.status.success() {
            let _ = std::fs::remove_dir_all(&dir);
            return Err(format!(
                "the server refused a base backup (does pg_hba.conf allow replication?): {}",
                String::from_utf8_lossy(&backup.stderr).trim()
            ));
        }
        // Debian keeps the configuration outside the data directory: the replica gets its own.
        configure(&dir, &settings).map_err(|e| format!("configuring the replica: {e}"))?;
        let port = free_port();
        let log = dir.with_extension("log");
        let stderr = std::fs::File::create(&log).map_err(|e| format!("{}: {e}", log.display()))?;
        let postgres = as_postgres(&bin.join("postgres"))
            .arg("-D")
            .arg(&dir)
            .args(["-p", &port.to_string(), "-c", "listen_addresses=127.0.0.1"])
            .arg("-c")
            .arg(format!("unix_socket_directories={}", dir.display()))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(stderr)
            .spawn()
            .map_err(|e| format!("the replica did not start: {e}"))?;
        let mut replica = Replica { port, dir, postgres };
        if let Err(why) = replica.wait_until_it_answers(&replica.url_for(url)).await {
            let printed = std::fs::read_to_string(&log).unwrap_or_default();
            return Err(format!("{why}; the replica's log:\n{printed}"));
        }
        let _ = std::fs::remove_file(&log);
        Ok(replica)
    }

    /// `url` with its host and port replaced by the replica's.
    pub fn url_for(&self, url: &str) -> String {
        let addr = SocketAddr::from(([127, 0, 0, 1], self.port));
        through(url, addr)
    }

    /// Runs `sql` on the replica's copy of the database of `url` (e.g. to pause its replay).
    pub async fn execute(&self, url: &str, sql: &str) {
        let conn = Database::connect(self.url_for(url))
            .await
            .expect("the replica answers");
        conn.execute_unprepared(sql)
            .await
            .expect("the statement runs on the replica");
        let _ = conn.close().await;
    }

    async fn wait_until_it_answers(&mut self, url: &str) -> Result<(), String> {
        let mut last = String::new();
        for _ in 0..150 {
            if let Ok(Some(status)) = self.postgres.try_wait() {
                return Err(format!("the replica exited: {status}"));
            }
            let mut options = ConnectOptions::new(url);
            options
                .connect_timeout(Duration::from_secs(1))
                .acquire_timeout(Duration::from_secs(1))
                .max_connections(1)
                .sqlx_logging(false);
            match Database::connect(options).await {
                Ok(conn) => {
                    let answered = conn.execute_unprepared("SELECT 1").await;
                    let _ = conn.close().await;
                    match answered {
                        Ok(_) => return Ok(()),
                        Err(e) => last = e.to_string(),
                    }
                }
                Err(e) => last = e.to_string(),
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        Err(format!("the replica did not answer within 30 s: {last}"))
    }
}

impl Drop for Replica {
    fn drop(&mut self) {
        // SIGINT: PostgreSQL's fast shutdown.
        crate::process::stop(&mut self.postgres, "INT", Duration::from_secs(10));
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The settings a standby may not set lower than its primary has them.
const AT_LEAST_THE_PRIMARYS: &[&str] = &[
    "max_connections",
    "max_worker_processes",
    "max_wal_senders",
    "max_prepared_transactions",
    "max_locks_per_transaction",
];

/// The primary's major version, and its settings that the replica must match, as configuration lines.
async fn primary_settings(url: &str) -> Result<(u32, String), String> {
    let conn = Database::connect(url)
        .await
        .map_err(|e| format!("the primary does not answer: {e}"))?;
    let backend = conn.get_database_backend();
    let version = conn
        .query_one_raw(sea_orm::Statement::from_string(
            backend,
            "SELECT current_setting('server_version_num')::int4 AS version",
        ))
        .await
        .map_err(|e| e.to_string())?
        .ok_or("no version")?
        .try_get::<i32>("", "version")
        .map_err(|e| e.to_string())?;
    let mut lines = String::new();
    for name in AT_LEAST_THE_PRIMARYS {
        let sql = format!("SELECT current_setting('{name}') AS value");
        let row = conn
            .query_one_raw(sea_orm::Statement::from_string(backend, sql))
            .await
            .map_err(|e| e.to_string())?
            .ok_or("no setting")?;
        let value: String = row.try_get("", "value").map_err(|e| e.to_string())?;
        lines.push_str(&format!("{name} = {value}\n"));
    }
    let _ = conn.close().await;
    Ok((u32::try_from(version / 10_000).unwrap_or(0), lines))
}

/// `program`, run as the `postgres` user when the tests run as root.
fn as_postgres(program: &Path) -> Command {
    if running_as_root() {
        let mut command = Command::new("setpriv");
        command
            .args(["--reuid=postgres", "--regid=postgres", "--init-groups", "--"])
            .arg(program)
            // Not root's home, where libpq would look for client certificates it may not read.
            .env("HOME", std::env::temp_dir());
        command
    } else {
        Command::new(program)
    }
}

fn running_as_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|out| out.stdout.trim_ascii() == b"0")
}

/// Writes the replica's own `postgresql.conf` and `pg_hba.conf` (trust on loopback, as the test server).
fn configure(dir: &Path, settings: &str) -> std::io::Result<()> {
    std::fs::write(
        dir.join("postgresql.conf"),
        format!("hot_standby = on\n{settings}"),
    )?;
    std::fs::write(
        dir.join("pg_hba.conf"),
        "local all all trust\nhost all all 127.0.0.1/32 trust\n",
    )?;
    std::fs::write(dir.join("pg_ident.conf"), "")?;
    if running_as_root() {
        let status = Command::new("chown")
            .args(["-R", "postgres:postgres"])
            .arg(dir)
            .status()?;
        if !status.success() {
            return Err(std::io::Error::other("chown failed"));
        }
    }
    Ok(())
}
