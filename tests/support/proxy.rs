//! A TCP proxy on loopback that a test can cut and restore: a database outage without stopping the
//! database that other tests share.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// Forwards connections from its own loopback address to `target` until [`Proxy::cut`].
pub struct Proxy {
    /// Where clients connect.
    pub addr: SocketAddr,
    target: SocketAddr,
    tasks: Arc<Mutex<Vec<JoinHandle<()>>>>,
}

impl Proxy {
    /// A proxy to `target` on a free loopback port.
    pub async fn start(target: SocketAddr) -> Proxy {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a free port");
        let addr = listener.local_addr().expect("an address");
        let proxy = Proxy {
            addr,
            target,
            tasks: Arc::default(),
        };
        proxy.serve(listener);
        proxy
    }

    fn serve(&self, listener: TcpListener) {
        let (target, tasks) = (self.target, self.tasks.clone());
        let accept = tokio::spawn(async move {
            while let Ok((mut client, _)) = listener.accept().await {
                let forward = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                tasks.lock().unwrap_or_else(|p| p.into_inner()).push(forward);
            }
        });
        self.tasks.lock().unwrap_or_else(|p| p.into_inner()).push(accept);
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

/// `url` with its `host:port` replaced by `addr`, and the `host:port` it named.
pub fn through(url: &str, addr: SocketAddr) -> (String, SocketAddr) {
    let start = url
        .find('@')
        .or_else(|| url.find("://").map(|i| i + 2))
        .expect("a URL")
        + 1;
    let end = url[start..].find('/').map_or(url.len(), |i| start + i);
    let target = url[start..end]
        .parse()
        .expect("TEST_DATABASE_URL names host:port by IP");
    (format!("{}{addr}{}", &url[..start], &url[end..]), target)
}
