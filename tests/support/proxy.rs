//! A TCP proxy on loopback that a test can cut and restore: a database outage without stopping the
//! database that other tests share. It also counts the lone Sync messages clients send to
//! PostgreSQL: a connection test ("ping") and nothing else.

use std::net::SocketAddr;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections from its own loopback address to `target` until [`Proxy::cut`].
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
    lone_syncs: Arc<AtomicUsize>,
}

/// PostgreSQL's Sync message: `S`, then its length (4) as a 32-bit integer.
const SYNC: [u8; 5] = [b'S', 0, 0, 0, 4];

impl Proxy {
    /// A proxy to `target` on a free loopback port.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("an address");
        let proxy = Proxy {
            addr,
            target,
            tasks: Arc::default(),
            lone_syncs: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (target, tasks, lone_syncs) = (self.target, self.tasks.clone(), self.lone_syncs.clone());
        let accept = tokio::spawn(async move {
            while let Ok((client, _)) = listener.accept().await {
                let lone_syncs = lone_syncs.clone();
                let forward = tokio::spawn(async move {
                    if let Ok(server) = TcpStream::connect(target).await {
                        forward(client, server, &lone_syncs).await;
                    }
                });
                tasks.lock().unwrap_or_else(|p| p.into_inner()).push(forward);
            }
        });
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).push(accept);
    }

    /// A proxy in front of the database server the database URL `url` names, and `url` through it.
    pub async fn in_front_of(url: &str) -> (Proxy, String) {
        let proxy = Proxy::start(database_addr(url)).await;
        let proxied = through(url, proxy.addr);
        (proxy, proxied)
    }

    /// How many times a client sent a Sync message on its own so far. A statement's Sync goes out
    /// with the statement; one alone is a connection test, answered before the client sends more,
    /// so it arrives in a read of its own.
    pub fn lone_syncs(&self) -> usize {
        self.lone_syncs.load(Ordering::SeqCst)
    }

    /// Closes the listener and every forwarded connection: the database is unreachable from now on.
    pub async fn cut(&self) {
        let tasks: Vec<_> = self
            .tasks
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .drain(..)
            .collect();
        for task in tasks {
            task.abort();
            let _ = task.await;
        }
    }

    /// Listens again on the same address: the database is back.
    pub async fn restore(&self) {
        let listener = TcpListener::bind(self.addr)
            .await
            .expect("the proxy's port is free again");
        self.serve(listener);
    }
}

/// Copies both ways until either side closes, counting the client's lone Sync messages.
async fn forward(client: TcpStream, server: TcpStream, lone_syncs: &AtomicUsize) {
    // Forwarded as read, each message at once, as the client sent it.
    let _ = client.set_nodelay(true);
    let _ = server.set_nodelay(true);
    let (mut client_reads, mut client_writes) = client.into_split();
    let (mut server_reads, mut server_writes) = server.into_split();
    let upstream = async {
        let mut buf = vec![0u8; 64 * 1024];
        while let Ok(n @ 1..) = client_reads.read(&mut buf).await {
            if buf[..n] == SYNC {
                lone_syncs.fetch_add(1, Ordering::SeqCst);
            }
            if server_writes.write_all(&buf[..n]).await.is_err() {
                break;
            }
        }
        let _ = server_writes.shutdown().await;
    };
    let downstream = async {
        let _ = tokio::io::copy(&mut server_reads, &mut client_writes).await;
        let _ = client_writes.shutdown().await;
    };
    tokio::join!(upstream, downstream);
}

/// `url` with its `host:port` replaced by `addr`.
pub fn through(url: &str, addr: SocketAddr) -> String {
    let (start, end) = host_port(url);
    format!("{}{addr}{}", &url[..start], &url[end..])
}

/// The `host:port` the database URL `url` names (by IP).
pub fn database_addr(url: &str) -> SocketAddr {
    let (start, end) = host_port(url);
    url[start..end]
        .parse()
        .expect("TEST_DATABASE_URL names host:port by IP")
}

/// Where `host:port` stands in `url`: after the user (or the scheme), up to the path.
fn host_port(url: &str) -> (usize, usize) {
    let start = url
        .find('@')
        .or_else(|| url.find("://").map(|i| i + 2))
        .expect("a URL")
        + 1;
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    (start, end)
}
