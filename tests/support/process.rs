//! The programs a test starts (servers, a replica, nginx, chromedriver): a port for them, and stopping
//! them the way they expect, so that none of their own children outlives the test.

use std::process::{Child, Command};
use std::time::{Duration, Instant};

/// Sends `signal` (e.g. `TERM`) to `child`, waits up to `patience` for it to exit, then kills it.
pub fn stop(child: &mut Child, signal: &str, patience: Duration) {
    let _ = Command::new("kill")
        .args([format!("-{signal}"), child.id().to_string()])
        .status();
    let deadline = Instant::now() + patience;
    while Instant::now() < deadline {
        if let Ok(Some(_)) = child.try_wait() {
            return;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// A loopback port free now, for a program the test is about to start.
pub fn free_port() -> u16 {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("a free port");
    listener.local_addr().expect("an address").port()
}
