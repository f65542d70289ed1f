//! The server's connections to PostgreSQL, as patched in vendor/sqlx-core (its PATCHED.md): each
//! message goes out at once (`TCP_NODELAY`; without it, a statement whose message spans more than
//! one TCP segment waits for the database server's delayed acknowledgement, up to 40 ms), and a
//! statement is one round trip (no connection test each time a connection goes back to the pool).

use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, RawFd};

use civicgraph_tests::{Backend, Proxy, TestServer, database_addr, postgres_or_skip};
use serde_json::json;

/// For each TCP socket of this process connected to `server`: whether it has `TCP_NODELAY`.
fn nodelay_of_sockets_to(server: SocketAddr) -> Vec<bool> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir("/proc/self/fd").expect("/proc/self/fd lists this process's files") {
        let Some(fd) = entry
            .ok()
            .and_then(|e| e.file_name().to_str()?.parse::<RawFd>().ok())
        else {
            continue;
        };
        // SAFETY: the descriptor is only queried (getpeername, getsockopt), never closed; if another
        // thread closes it meanwhile the calls fail, and if the number is reused by then, the peer
        // address tells whether it is still a connection to `server`.
        let fd = unsafe { BorrowedFd::borrow_raw(fd) };
        let socket = socket2::SockRef::from(&fd);
        let Ok(peer) = socket.peer_addr() else { continue };
        if peer.as_socket() == Some(server)
            && let Ok(nodelay) = socket.tcp_nodelay()
        {
            found.push(nodelay);
        }
    }
    found
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn connections_to_postgres_send_each_message_at_once() {
    let Some(Backend::Postgres(url)) = postgres_or_skip(concat!(module_path!(), "::connections_to_postgres"))
    else {
        return;
    };
    let server = database_addr(&url);
    let s = TestServer::start(&Backend::Postgres(url)).await;
    // A body longer than a loopback segment (64 KiB), written through the server's pool.
    let body = "街道".repeat(20_000);
    let line = json!({"kind": "region", "code": "P", "name": "省", "level": "province"});
    let report = json!({"kind": "report", "external_id": "r1", "title": "t", "published_on": "2024-01-01",
        "region": "P", "body": body, "observations": []});
    let summary = s.import(&format!("{line}\n{report}")).await;
    assert!(summary.committed, "{summary:?}");
    let answer = s
        .graphql(r#"{ report(externalId: "r1") { title } }"#, json!({}))
        .await;
    assert_eq!(answer["data"]["report"]["title"], "t", "{answer}");

    let sockets = nodelay_of_sockets_to(server);
    assert!(
        !sockets.is_empty(),
        "the server holds connections to PostgreSQL at {server}"
    );
    assert!(
        sockets.iter().all(|&nodelay| nodelay),
        "TCP_NODELAY on every connection to {server}: {sockets:?}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_statement_takes_one_round_trip_to_postgres() {
    let Some(Backend::Postgres(url)) =
        postgres_or_skip(concat!(module_path!(), "::a_statement_takes_one_round_trip"))
    else {
        return;
    };
    // In the clear, for the proxy to read the messages.
    let (proxy, proxied) = Proxy::in_front_of(&url).await;
    let separator = if proxied.contains('?') { '&' } else { '?' };
    let proxied = format!("{proxied}{separator}sslmode=disable");
    let s = TestServer::start(&Backend::Postgres(proxied)).await;
    s.import(r#"{"kind":"region","code":"P","name":"省","level":"province"}"#)
        .await;
    let before = proxy.lone_syncs();
    for _ in 0..10 {
        let answer = s.graphql(r#"{ region(code: "P") { name } }"#, json!({})).await;
        assert_eq!(answer["data"]["region"]["name"], "省", "{answer}");
    }
    // sqlx-core 0.9.0 as published tests every connection going back to the pool with a Sync of
    // its own (vendor/sqlx-core/PATCHED.md): one more round trip for each of these statements.
    assert_eq!(
        proxy.lone_syncs() - before,
        0,
        "lone Sync messages sent while answering 10 queries"
    );
}
