//! Rate limits (the `governor` crate): failed authentications per client address, and
//! requests per API key. Over a limit the answer is 429 problem+json with `Retry-After`, counted
//! in `spares_rate_limited_total{limit}`.
//!
//! An address that failed authentication too often is refused for a while, before its key is
//! even looked up, so guessing gets a few tries a minute. A valid key is never refused because
//! of someone else: failures count against the address they came from, and the per-key budget
//! is keyed by the credential presented, which only its holder can spend.

use std::collections::HashMap;
use std::net::IpAddr;
use std::num::NonZeroU32;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::body::{BoxBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::{header, StatusCode};
use actix_web::middleware::Next;
use actix_web::{web, HttpResponse};
use governor::clock::{Clock, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};
use sha2::{Digest, Sha256};

use crate::error::AppError;

/// Limits as configured; 0 turns a limit off.
#[derive(Debug, Clone, Copy, Default)]
pub struct LimitSettings {
    /// Failed authentications (401) per client address per minute, also the burst.
    pub auth_failures_per_minute: u32,
    /// Requests per API key per second, also the burst.
    pub key_requests_per_second: u32,
}

/// Forget idle addresses and keys after this many new entries, so guessing cannot grow memory
/// without bound.
const PRUNE_EVERY: usize = 10_000;

/// The limiters of one running service.
pub struct Limits {
    failures: Option<DefaultKeyedRateLimiter<IpAddr>>,
    /// Addresses refused until the instant given: their next failure would be over the limit.
    blocked: Mutex<HashMap<IpAddr, Instant>>,
    keys: Option<DefaultKeyedRateLimiter<[u8; 16]>>,
    clock: DefaultClock,
}

impl Limits {
    pub fn new(settings: LimitSettings) -> Self {
        let failures = NonZeroU32::new(settings.auth_failures_per_minute)
            .map(|n| RateLimiter::keyed(Quota::per_minute(n).allow_burst(n)));
        let keys = NonZeroU32::new(settings.key_requests_per_second)
            .map(|n| RateLimiter::keyed(Quota::per_second(n).allow_burst(n)));
        Limits {
            failures,
            blocked: Mutex::new(HashMap::new()),
            keys,
            clock: DefaultClock::default(),
        }
    }

    /// How long `address` is still refused, if it is.
    fn blocked_for(&self, address: IpAddr) -> Option<Duration> {
        let blocked = self.blocked.lock().ok()?;
        let until = *blocked.get(&address)?;
        until.checked_duration_since(Instant::now()).filter(|d| !d.is_zero())
    }

    /// Counts a failed authentication from `address`; past the limit the address is refused
    /// until a failure fits the budget again.
    fn failed(&self, address: IpAddr) {
        let Some(failures) = &self.failures else { return };
        if let Err(not_until) = failures.check_key(&address) {
            let wait = not_until.wait_time_from(self.clock.now());
            if let Ok(mut blocked) = self.blocked.lock() {
                let now = Instant::now();
                if blocked.len() >= PRUNE_EVERY {
                    blocked.retain(|_, until| *until > now);
                }
                blocked.insert(address, now + wait);
            }
        }
        if failures.len() >= PRUNE_EVERY {
            failures.retain_recent();
        }
    }

    /// Spends one request of the credential's budget; `Err(wait)` when it is used up.
    fn spend(&self, credential: &str) -> Result<(), Duration> {
        let Some(keys) = &self.keys else { return Ok(()) };
        let digest = Sha256::digest(credential.as_bytes());
        let mut id = [0u8; 16];
        id.copy_from_slice(&digest[..16]);
        if keys.len() >= PRUNE_EVERY {
            keys.retain_recent();
        }
        keys.check_key(&id)
            .map_err(|not_until| not_until.wait_time_from(self.clock.now()))
    }
}

/// Middleware: refuses what is over a limit, and counts failed authentications.
pub async fn enforce(
    req: ServiceRequest,
    next: Next<impl MessageBody + 'static>,
) -> Result<ServiceResponse<BoxBody>, actix_web::Error> {
    let Some(limits) = req.app_data::<web::Data<Limits>>().cloned() else {
        return Ok(next.call(req).await?.map_into_boxed_body());
    };
    let address = req.peer_addr().map(|a| a.ip());
    let credential = req
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    // The console's sign-in form carries a key in its body: it is guessing like any other.
    let presents_key = credential.is_some() || crate::console::is_sign_in(req.method(), req.path());
    if let (Some(address), true) = (address, presents_key) {
        if let Some(wait) = limits.blocked_for(address) {
            return Ok(refuse(req, "auth_failures", wait));
        }
    }
    if let Some(credential) = &credential {
        if let Err(wait) = limits.spend(credential) {
            return Ok(refuse(req, "key", wait));
        }
    }
    let response = next.call(req).await?;
    if response.status() == StatusCode::UNAUTHORIZED {
        if let Some(address) = address {
            limits.failed(address);
        }
    }
    Ok(response.map_into_boxed_body())
}

fn refuse(req: ServiceRequest, limit: &'static str, wait: Duration) -> ServiceResponse<BoxBody> {
    metrics::counter!("spares_rate_limited_total", "limit" => limit).increment(1);
    // Whole seconds, rounded up: retrying at the announced time must succeed.
    let retry_after_secs = (wait.as_millis().div_ceil(1000) as u64).max(1);
    let error = AppError::RateLimited {
        limit,
        retry_after_secs,
    };
    let response = HttpResponse::TooManyRequests()
        .insert_header((header::RETRY_AFTER, retry_after_secs.to_string()))
        .content_type(super::PROBLEM_JSON)
        .body(error.problem().to_string());
    req.into_response(response)
}
