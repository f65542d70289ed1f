//! The server's connections to PostgreSQL send each message at once: `TCP_NODELAY` is set on every
//! one of them (vendor/sqlx-core/PATCHED.md). Without it, a statement whose message spans more than
//! one TCP segment waits for the database server's delayed acknowledgement, up to 40 ms.

use std::net::SocketAddr;
use std::os::fd::{BorrowedFd, RawFd};

use civicgraph_tests::{Backend, TestServer, postgres_or_skip, through};
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
    let (_, server) = through(&url, "127.0.0.1:1".parse().expect("an address"));
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
