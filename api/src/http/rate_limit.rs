//! The optional per-client rate limit (`serve --rate-limit N`): at most N requests per second from
//! one client, with bursts of up to N. A client is its bearer token when it sends one (kept as the
//! token's hash), else its address: an IPv4 address, or the /64 network of an IPv6 one (which one
//! holder usually owns whole). Over the limit a request is refused with 429, `Retry-After` and code
//! `RATE_LIMITED`, as a GraphQL error on `/graphql` and as `{ "code", "message" }` elsewhere.
//!
//! Memory stays bounded however many clients come: clients whose allowance is full again are
//! forgotten, at most once a second, so only those seen in about the last three seconds are held.

use std::net::{IpAddr, Ipv6Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::extract::{ConnectInfo, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use governor::{DefaultKeyedRateLimiter, Quota};

use super::protocol::{AnswerFormat, header_str, refused};
use crate::auth;
use crate::error::ApiError;

/// How often clients with a full allowance are forgotten.
const PRUNE_INTERVAL: Duration = Duration::from_secs(1);

/// Who a request counts against.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Client {
    /// A bearer token, by its hash (valid or not: the limit runs before the token is looked up).
    Token(String),
    /// An address without a token: IPv4, or an IPv6 /64 network.
    Address(IpAddr),
    /// A connection whose peer address is unknown (a router served without connection info).
    Unknown,
}

impl Client {
    /// The client of a request with `headers` from `peer`.
    pub fn of(headers: &axum::http::HeaderMap, peer: Option<SocketAddr>) -> Client {
        if let Some(token) = header_str(headers, header::AUTHORIZATION).and_then(auth::bearer_token) {
            return Client::Token(auth::hash_token(token));
        }
        match peer.map(|p| p.ip()) {
            Some(IpAddr::V6(v6)) => Client::Address(match v6.to_ipv4_mapped() {
                Some(v4) => IpAddr::V4(v4),
                None => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !u128::from(u64::MAX))),
            }),
            Some(ip) => Client::Address(ip),
            None => Client::Unknown,
        }
    }
}

/// The per-client limit of a server.
pub struct RateLimit {
    per_second: NonZeroU32,
    limiter: DefaultKeyedRateLimiter<Client>,
    last_pruned: Mutex<Instant>,
}

impl RateLimit {
    /// At most `per_second` requests per second per client, in bursts of up to `per_second`.
    pub fn new(per_second: NonZeroU32) -> RateLimit {
        RateLimit {
            per_second,
            limiter: DefaultKeyedRateLimiter::keyed(Quota::per_second(per_second)),
            last_pruned: Mutex::new(Instant::now()),
        }
    }

    /// Counts a request of `client`: `Err` with how long it should wait when it is over the limit.
    pub fn check(&self, client: &Client) -> Result<(), Duration> {
        self.prune();
        self.limiter.check_key(client).map_err(|not_until| {
            use governor::clock::Clock;
            not_until.wait_time_from(self.limiter.clock().now())
        })
    }

    /// How many clients are remembered now.
    pub fn tracked_clients(&self) -> usize {
        self.limiter.len()
    }

    /// Forgets the clients whose allowance is full again, when the last time was a second ago.
    fn prune(&self) {
        let Ok(mut last_pruned) = self.last_pruned.try_lock() else {
            return; // another request is pruning
        };
        if last_pruned.elapsed() >= PRUNE_INTERVAL {
            self.limiter.retain_recent();
            self.limiter.shrink_to_fit();
            *last_pruned = Instant::now();
        }
    }
}

/// The middleware: counts each request against its client and refuses those over the limit.
pub async fn enforce(State(limit): State<Arc<RateLimit>>, request: Request, next: Next) -> Response {
    let peer = request
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(peer)| *peer);
    let client = Client::of(request.headers(), peer);
    let Err(wait) = limit.check(&client) else {
        return next.run(request).await;
    };
    let e = ApiError::RateLimited(format!(
        "more than {} requests per second from this client: retry in {} ms",
        limit.per_second,
        wait.as_millis().max(1)
    ));
    if request.uri().path() == "/graphql" {
        refused(AnswerFormat::negotiate(request.headers()), e)
    } else {
        e.into_response()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn peer(ip: &str) -> Option<SocketAddr> {
        Some(SocketAddr::new(ip.parse().unwrap(), 4000))
    }

    #[test]
    fn clients_are_tokens_else_addresses() {
        let mut headers = axum::http::HeaderMap::new();
        assert_eq!(
            Client::of(&headers, peer("10.0.0.1")),
            Client::Address("10.0.0.1".parse().unwrap())
        );
        assert_eq!(
            Client::of(&headers, peer("2001:db8:1:2:3:4:5:6")),
            Client::Address("2001:db8:1:2::".parse().unwrap())
        );
        assert_eq!(
            Client::of(&headers, peer("::ffff:10.0.0.2")),
            Client::Address("10.0.0.2".parse().unwrap())
        );
        assert_eq!(Client::of(&headers, None), Client::Unknown);
        headers.insert(header::AUTHORIZATION, "Bearer secret".parse().unwrap());
        assert_eq!(
            Client::of(&headers, peer("10.0.0.1")),
            Client::Token(auth::hash_token("secret"))
        );
    }

    #[test]
    fn each_client_has_its_own_allowance_and_idle_ones_are_forgotten() {
        let limit = RateLimit::new(NonZeroU32::new(4).unwrap());
        let (a, b) = (Client::Token("a".into()), Client::Token("b".into()));
        for _ in 0..4 {
            assert!(limit.check(&a).is_ok(), "a burst of 4 passes");
        }
        let wait = limit
            .check(&a)
            .expect_err("a fifth request within the second is refused");
        assert!(wait <= Duration::from_millis(250), "{wait:?}");
        assert!(limit.check(&b).is_ok(), "another client is not affected");
        assert_eq!(limit.tracked_clients(), 2);
        // Full again 1.25 s after a's burst began (its allowance plus one interval).
        std::thread::sleep(Duration::from_millis(1400));
        assert!(limit.check(&Client::Unknown).is_ok());
        assert_eq!(limit.tracked_clients(), 1, "a and b, full again, are forgotten");
    }
}
