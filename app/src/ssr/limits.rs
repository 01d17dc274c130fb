//! What one client may make the desk do: the widget's endpoints are public and anonymous, so
//! starting chats and logging on are rate-limited per client address, posting per chat token,
//! and open WebSockets are capped per chat, per address and in total. Failed log-ons back off
//! per (account, address) and per address, never per account alone: a back-off shared by
//! every address would let anyone who knows an agent's email keep that agent out (OWASP:
//! throttle the guesser, hand nobody a lock-out switch). Guessing one account from many
//! addresses is bounded by each address's rate and back-off. Every refusal says when to try
//! again (`Retry-After`).
//!
//! The counts live in this node's memory: behind a load balancer each node limits what reaches
//! it, which is what protects that node. A limit of 0 turns it off.

use std::collections::HashMap;
use std::hash::Hash;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::http::HeaderMap;
use governor::clock::{Clock as _, DefaultClock};
use governor::{DefaultKeyedRateLimiter, Quota, RateLimiter};

use super::desk::Clock;
use crate::model::{ApiError, ChatId};

/// The limits, as the operator set them (`deskchat --help`).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LimitSettings {
    /// Chat requests one address may start per minute.
    pub chats_per_minute: u32,
    /// Log-on attempts one address may make per minute.
    pub log_ons_per_minute: u32,
    /// Messages one chat's end user may post per minute.
    pub posts_per_minute: u32,
    /// Messages an end user may post while their chat waits for an agent.
    pub waiting_messages: u32,
    /// Open WebSockets per chat token (tabs of one end user).
    pub sockets_per_chat: u32,
    /// Open WebSockets per client address.
    pub sockets_per_address: u32,
    /// Open WebSockets on this node.
    pub sockets_total: u32,
    /// Take the client's address from `X-Forwarded-For` (set only behind a proxy that sets it).
    pub trust_forwarded_for: bool,
}

impl Default for LimitSettings {
    fn default() -> Self {
        LimitSettings {
            chats_per_minute: 10,
            log_ons_per_minute: 10,
            posts_per_minute: 60,
            waiting_messages: 20,
            sockets_per_chat: 8,
            sockets_per_address: 500,
            sockets_total: 50_000,
            trust_forwarded_for: false,
        }
    }
}

/// Failed log-ons allowed before each further attempt must wait, doubling from 1 s.
pub const FREE_FAILURES: u32 = 5;
/// The longest wait a run of failures can impose.
pub const MAX_BACKOFF: Duration = Duration::from_secs(15 * 60);
/// A run of failures is forgotten after this long without one.
const FAILURES_FORGOTTEN_MS: i64 = 3600 * 1000;

/// Try again after this long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RetryAfter(pub Duration);

impl RetryAfter {
    /// Whole seconds, at least 1: what `Retry-After` and the person are told.
    pub fn secs(self) -> u64 {
        (self.0.as_secs() + u64::from(self.0.subsec_nanos() > 0)).max(1)
    }
}

impl From<RetryAfter> for ApiError {
    fn from(wait: RetryAfter) -> ApiError {
        ApiError::RateLimited { retry_after_secs: wait.secs() }
    }
}

/// Why a WebSocket was not let in.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SocketRefusal {
    PerChat,
    PerAddress,
    Total,
}

pub struct Limits {
    settings: LimitSettings,
    chats: Option<DefaultKeyedRateLimiter<IpAddr>>,
    log_ons: Option<DefaultKeyedRateLimiter<IpAddr>>,
    posts: Option<DefaultKeyedRateLimiter<String>>,
    /// Failures for one account from one address: the guesser slows, the agent elsewhere not.
    guess_failures: Backoff<(String, IpAddr)>,
    /// Failures from one address, whatever the account: one address trying many accounts.
    address_failures: Backoff<IpAddr>,
    /// The back-offs' time (the desk's clock seam); the rates keep governor's own clock.
    clock: Arc<dyn Clock>,
    sockets: Mutex<SocketCounts>,
}

fn keyed<K: Hash + Eq + Clone>(per_minute: u32) -> Option<DefaultKeyedRateLimiter<K>> {
    NonZeroU32::new(per_minute).map(|n| RateLimiter::keyed(Quota::per_minute(n)))
}

fn check<K: Hash + Eq + Clone>(limiter: &Option<DefaultKeyedRateLimiter<K>>, key: &K) -> Result<(), RetryAfter> {
    match limiter {
        Some(limiter) => {
            limiter.check_key(key).map_err(|not_until| RetryAfter(not_until.wait_time_from(DefaultClock::default().now())))
        }
        None => Ok(()),
    }
}

impl Limits {
    pub fn new(settings: LimitSettings, clock: Arc<dyn Clock>) -> Limits {
        Limits {
            chats: keyed(settings.chats_per_minute),
            log_ons: keyed(settings.log_ons_per_minute),
            posts: keyed(settings.posts_per_minute),
            guess_failures: Backoff::default(),
            address_failures: Backoff::default(),
            clock,
            sockets: Mutex::default(),
            settings,
        }
    }

    pub fn settings(&self) -> &LimitSettings {
        &self.settings
    }

    /// The client's address: the peer's, or behind a trusted proxy the last address it added
    /// to `X-Forwarded-For` (earlier entries are whatever the client claimed).
    pub fn client_address(&self, headers: &HeaderMap, peer: Option<SocketAddr>) -> IpAddr {
        let forwarded = || {
            headers
                .get_all("x-forwarded-for")
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(','))
                .filter_map(|a| a.trim().parse::<IpAddr>().ok())
                .next_back()
        };
        let peer = peer.map(|p| p.ip());
        if self.settings.trust_forwarded_for { forwarded().or(peer) } else { peer }.unwrap_or(IpAddr::V4(Ipv4Addr::UNSPECIFIED))
    }

    pub fn start_chat(&self, address: IpAddr) -> Result<(), RetryAfter> {
        check(&self.chats, &address)
    }

    /// Before a password is checked: the address's rate, and any back-off this address's
    /// recent failures impose (for this account, or for any).
    pub fn log_on(&self, address: IpAddr, email: &str) -> Result<(), RetryAfter> {
        let now = self.clock.now_ms();
        self.address_failures.wait(&address, now)?;
        self.guess_failures.wait(&(account(email), address), now)?;
        check(&self.log_ons, &address)
    }

    pub fn log_on_failed(&self, address: IpAddr, email: &str) {
        let now = self.clock.now_ms();
        self.address_failures.failed(address, now);
        self.guess_failures.failed((account(email), address), now);
    }

    /// Forgets this address's run for the account. The address's own run stays: logging on to
    /// one's own account must not reset guessing at others'.
    pub fn log_on_succeeded(&self, address: IpAddr, email: &str) {
        self.guess_failures.forget(&(account(email), address));
    }

    pub fn post(&self, token_hash: &str) -> Result<(), RetryAfter> {
        check(&self.posts, &token_hash.to_string())
    }

    /// A WebSocket from `address` may open (before the upgrade); the permit counts it until
    /// dropped.
    pub fn open_socket(self: &Arc<Self>, address: IpAddr) -> Result<SocketPermit, SocketRefusal> {
        let mut sockets = self.counts();
        if over(self.settings.sockets_total, sockets.total) {
            return Err(SocketRefusal::Total);
        }
        let by_address = sockets.by_address.entry(address).or_default();
        if over(self.settings.sockets_per_address, *by_address) {
            return Err(SocketRefusal::PerAddress);
        }
        *by_address += 1;
        sockets.total += 1;
        Ok(SocketPermit { limits: self.clone(), address, chat: None })
    }

    /// Open WebSockets on this node.
    pub fn open_sockets(&self) -> u32 {
        self.counts().total
    }

    /// Drops what no longer limits anyone (call now and then).
    pub fn sweep(&self) {
        for limiter in [&self.chats, &self.log_ons].into_iter().flatten() {
            limiter.retain_recent();
        }
        if let Some(posts) = &self.posts {
            posts.retain_recent();
        }
        let now = self.clock.now_ms();
        self.guess_failures.sweep(now);
        self.address_failures.sweep(now);
    }

    fn counts(&self) -> MutexGuard<'_, SocketCounts> {
        self.sockets.lock().unwrap_or_else(|e| e.into_inner())
    }
}

fn over(limit: u32, count: u32) -> bool {
    limit != 0 && count >= limit
}

fn account(email: &str) -> String {
    email.trim().to_lowercase()
}

#[derive(Default)]
struct SocketCounts {
    total: u32,
    by_address: HashMap<IpAddr, u32>,
    by_chat: HashMap<ChatId, u32>,
}

/// One open WebSocket, counted until dropped.
pub struct SocketPermit {
    limits: Arc<Limits>,
    address: IpAddr,
    chat: Option<ChatId>,
}

impl SocketPermit {
    /// The socket turned out to be an end user's (after the hello): counted per chat too.
    pub fn for_chat(&mut self, chat: ChatId) -> Result<(), SocketRefusal> {
        let mut sockets = self.limits.counts();
        let count = sockets.by_chat.entry(chat).or_default();
        if over(self.limits.settings.sockets_per_chat, *count) {
            if *count == 0 {
                sockets.by_chat.remove(&chat);
            }
            return Err(SocketRefusal::PerChat);
        }
        *count += 1;
        self.chat = Some(chat);
        Ok(())
    }
}

impl Drop for SocketPermit {
    fn drop(&mut self) {
        let mut sockets = self.limits.counts();
        sockets.total = sockets.total.saturating_sub(1);
        decrement(&mut sockets.by_address, self.address);
        if let Some(chat) = self.chat {
            decrement(&mut sockets.by_chat, chat);
        }
    }
}

fn decrement<K: Hash + Eq>(counts: &mut HashMap<K, u32>, key: K) {
    if let Some(count) = counts.get_mut(&key) {
        *count -= 1;
        if *count == 0 {
            counts.remove(&key);
        }
    }
}

/// Consecutive failures per key: after `FREE_FAILURES`, the next attempt waits 1 s after the
/// last failure, then 2 s, 4 s, … up to `MAX_BACKOFF`.
struct Backoff<K>(Mutex<HashMap<K, (u32, i64)>>);

impl<K> Default for Backoff<K> {
    fn default() -> Self {
        Backoff(Mutex::default())
    }
}

impl<K: Hash + Eq> Backoff<K> {
    fn entries(&self) -> MutexGuard<'_, HashMap<K, (u32, i64)>> {
        self.0.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn wait(&self, key: &K, now_ms: i64) -> Result<(), RetryAfter> {
        match self.entries().get(key) {
            Some(&(failures, last)) => match backoff(failures).checked_sub(since(last, now_ms)) {
                Some(left) if !left.is_zero() => Err(RetryAfter(left)),
                _ => Ok(()),
            },
            None => Ok(()),
        }
    }

    fn failed(&self, key: K, now: i64) {
        let mut entries = self.entries();
        let entry = entries.entry(key).or_insert((0, now));
        *entry = (entry.0.saturating_add(1), now);
    }

    fn forget(&self, key: &K) {
        self.entries().remove(key);
    }

    fn sweep(&self, now_ms: i64) {
        self.entries().retain(|_, (_, last)| now_ms - *last < FAILURES_FORGOTTEN_MS);
    }
}

fn since(then_ms: i64, now_ms: i64) -> Duration {
    Duration::from_millis(now_ms.saturating_sub(then_ms).max(0) as u64)
}

/// The wait after `failures` consecutive failures.
pub fn backoff(failures: u32) -> Duration {
    match failures.checked_sub(FREE_FAILURES) {
        None => Duration::ZERO,
        Some(extra) => Duration::from_secs(1u64 << extra.min(10)).min(MAX_BACKOFF),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ssr::desk::ManualClock;

    fn limits(settings: LimitSettings) -> Arc<Limits> {
        Arc::new(Limits::new(settings, Arc::new(ManualClock::at(0))))
    }

    const HOME: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 1));
    const AWAY: IpAddr = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));

    #[test]
    fn starting_chats_is_limited_per_address() {
        let limits = limits(LimitSettings { chats_per_minute: 3, ..Default::default() });
        for _ in 0..3 {
            assert_eq!(limits.start_chat(HOME), Ok(()));
        }
        let wait = limits.start_chat(HOME).unwrap_err();
        assert!(wait.0 > Duration::ZERO && wait.0 <= Duration::from_secs(20), "{wait:?}");
        assert_eq!(limits.start_chat(AWAY), Ok(()), "another address has its own allowance");
    }

    #[test]
    fn zero_turns_a_limit_off() {
        let limits = limits(LimitSettings { chats_per_minute: 0, sockets_per_address: 0, ..Default::default() });
        for _ in 0..1000 {
            assert_eq!(limits.start_chat(HOME), Ok(()));
        }
        let permits: Vec<_> = (0..1000).map(|_| limits.open_socket(HOME).unwrap()).collect();
        assert_eq!(limits.open_sockets(), 1000);
        drop(permits);
        assert_eq!(limits.open_sockets(), 0);
    }

    #[test]
    fn failed_log_ons_back_off_per_address_and_never_lock_the_account_elsewhere() {
        assert_eq!(backoff(FREE_FAILURES - 1), Duration::ZERO);
        assert_eq!(backoff(FREE_FAILURES), Duration::from_secs(1));
        assert_eq!(backoff(FREE_FAILURES + 3), Duration::from_secs(8));
        assert_eq!(backoff(100), MAX_BACKOFF);

        let home = limits(LimitSettings { log_ons_per_minute: 0, ..Default::default() });
        for _ in 0..3 * FREE_FAILURES {
            home.log_on_failed(HOME, "Alice@deskchat.test ");
        }
        let wait = home.log_on(HOME, "alice@deskchat.test").unwrap_err();
        assert_eq!(wait, RetryAfter(backoff(3 * FREE_FAILURES)), "the guesser slows down");
        assert!(home.log_on(HOME, "bob@deskchat.test").is_err(), "the address waits, for any account");
        assert_eq!(home.log_on(AWAY, "alice@deskchat.test"), Ok(()), "the account is not locked from elsewhere");
        assert_eq!(home.log_on(AWAY, "bob@deskchat.test"), Ok(()));

        // A run of (account, address) failures from another address slows that one alone.
        let away = limits(LimitSettings { log_ons_per_minute: 0, ..Default::default() });
        for _ in 0..FREE_FAILURES {
            away.log_on_failed(AWAY, "alice@deskchat.test");
        }
        assert!(away.log_on(AWAY, "alice@deskchat.test").is_err());
        assert_eq!(away.log_on(HOME, "alice@deskchat.test"), Ok(()));
        away.log_on_succeeded(AWAY, "alice@deskchat.test");
        assert!(away.log_on(AWAY, "bob@deskchat.test").is_err(), "success does not clear the address's run");
    }

    #[test]
    fn a_back_off_ends_once_its_time_has_passed() {
        let clock = Arc::new(ManualClock::at(0));
        let limits = Limits::new(LimitSettings { log_ons_per_minute: 0, ..Default::default() }, clock.clone());
        for _ in 0..FREE_FAILURES + 2 {
            limits.log_on_failed(HOME, "alice@deskchat.test");
        }
        let wait = backoff(FREE_FAILURES + 2);
        assert_eq!(limits.log_on(HOME, "alice@deskchat.test"), Err(RetryAfter(wait)));
        clock.advance(wait.as_millis() as i64 - 1);
        assert_eq!(limits.log_on(HOME, "alice@deskchat.test"), Err(RetryAfter(Duration::from_millis(1))));
        clock.advance(1);
        assert_eq!(limits.log_on(HOME, "alice@deskchat.test"), Ok(()));
    }

    #[test]
    fn success_forgets_only_its_own_accounts_run() {
        let limits = limits(LimitSettings { log_ons_per_minute: 0, ..Default::default() });
        for _ in 0..FREE_FAILURES - 1 {
            limits.log_on_failed(HOME, "alice@deskchat.test");
        }
        limits.log_on_succeeded(HOME, "alice@deskchat.test");
        limits.log_on_failed(HOME, "alice@deskchat.test");
        // The address's run (5 in a row) still counts; the pair's started again at 1.
        assert!(limits.log_on(HOME, "carol@deskchat.test").is_err());
        assert_eq!(limits.guess_failures.entries().get(&("alice@deskchat.test".into(), HOME)).map(|e| e.0), Some(1));
    }

    #[test]
    fn sockets_are_capped_per_address_per_chat_and_in_total() {
        let limits =
            limits(LimitSettings { sockets_per_address: 2, sockets_per_chat: 1, sockets_total: 3, ..Default::default() });
        let mut first = limits.open_socket(HOME).unwrap();
        let mut second = limits.open_socket(HOME).unwrap();
        assert_eq!(limits.open_socket(HOME).err(), Some(SocketRefusal::PerAddress));
        first.for_chat(7).unwrap();
        assert_eq!(second.for_chat(7), Err(SocketRefusal::PerChat));
        let _third = limits.open_socket(AWAY).unwrap();
        assert_eq!(limits.open_socket(AWAY).err(), Some(SocketRefusal::Total));
        drop(first);
        second.for_chat(7).unwrap();
        assert_eq!(limits.open_sockets(), 2);
    }

    #[test]
    fn forwarded_addresses_count_only_when_trusted() {
        let mut headers = HeaderMap::new();
        headers.insert("x-forwarded-for", "10.0.0.9, 198.51.100.7".parse().unwrap());
        let peer = Some("127.0.0.1:5000".parse().unwrap());
        let untrusted = limits(LimitSettings::default());
        assert_eq!(untrusted.client_address(&headers, peer), "127.0.0.1".parse::<IpAddr>().unwrap());
        let trusted = limits(LimitSettings { trust_forwarded_for: true, ..Default::default() });
        assert_eq!(trusted.client_address(&headers, peer), "198.51.100.7".parse::<IpAddr>().unwrap());
        assert_eq!(trusted.client_address(&HeaderMap::new(), peer), "127.0.0.1".parse::<IpAddr>().unwrap());
    }

    #[test]
    fn retry_after_rounds_up_to_whole_seconds() {
        assert_eq!(RetryAfter(Duration::from_millis(1)).secs(), 1);
        assert_eq!(RetryAfter(Duration::from_millis(2500)).secs(), 3);
        assert_eq!(RetryAfter(Duration::from_secs(4)).secs(), 4);
        assert_eq!(RetryAfter(Duration::ZERO).secs(), 1);
    }
}
