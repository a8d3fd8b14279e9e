use std::sync::Arc;
use std::time::Duration;

/// Told about every request a [`crate::client::KickClient`] sends: the
/// endpoint and the scope it declares, once per request (not per retry),
/// before the first attempt. For tests and diagnostics (which endpoints does
/// the app call, are its scopes enough?); it must be cheap and not block.
#[derive(Clone)]
pub struct RequestObserver(Arc<dyn Fn(&'static str, Option<&'static str>) + Send + Sync>);

impl RequestObserver {
    pub fn new(f: impl Fn(&'static str, Option<&'static str>) + Send + Sync + 'static) -> Self {
        RequestObserver(Arc::new(f))
    }

    pub(crate) fn notify(&self, endpoint: &'static str, scope: Option<&'static str>) {
        (self.0)(endpoint, scope)
    }
}

impl std::fmt::Debug for RequestObserver {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("RequestObserver")
    }
}

/// Where Kick lives and how patient to be with it. Real Kick and the local
/// fake Kick differ only in these values.
#[derive(Clone, Debug)]
pub struct KickConfig {
    /// OAuth host, `https://id.kick.com` on real Kick.
    pub oauth_base: String,
    /// REST API host, `https://api.kick.com` on real Kick.
    pub api_base: String,
    /// kick.com's own web API host for the unofficial realtime chat
    /// (descriptor and token endpoints), `https://web.kick.com` on real Kick.
    pub web_base: String,
    /// The website, `https://kick.com` (its internal `/api/v2/channels/{slug}`
    /// gives the chat room id).
    pub site_base: String,
    pub retry: RetryPolicy,
    /// Timeout of a single HTTP attempt.
    pub request_timeout: Duration,
    pub user_agent: String,
    /// Sees every REST request's endpoint and scope (off by default).
    pub observer: Option<RequestObserver>,
}

impl KickConfig {
    pub fn new(oauth_base: impl Into<String>, api_base: impl Into<String>) -> Self {
        let api_base = trim(api_base.into());
        KickConfig {
            oauth_base: trim(oauth_base.into()),
            // A fake serves everything from one host; real Kick overrides these.
            web_base: api_base.clone(),
            site_base: api_base.clone(),
            api_base,
            retry: RetryPolicy::default(),
            request_timeout: Duration::from_secs(15),
            user_agent: concat!("Kickstand/", env!("CARGO_PKG_VERSION")).to_owned(),
            observer: None,
        }
    }

    /// The real Kick hosts.
    pub fn kick() -> Self {
        Self::new("https://id.kick.com", "https://api.kick.com")
            .with_web("https://web.kick.com", "https://kick.com")
    }

    /// Sets the web API and website hosts (realtime chat, chat room lookup).
    pub fn with_web(mut self, web_base: impl Into<String>, site_base: impl Into<String>) -> Self {
        self.web_base = trim(web_base.into());
        self.site_base = trim(site_base.into());
        self
    }

    pub fn with_retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    pub fn with_observer(mut self, observer: RequestObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    pub(crate) fn api_url(&self, path: &str) -> String {
        format!("{}{}", self.api_base, path)
    }
}

fn trim(mut s: String) -> String {
    while s.ends_with('/') {
        s.pop();
    }
    s
}

/// Exponential backoff with full jitter for 429 and 5xx answers.
#[derive(Clone, Debug)]
pub struct RetryPolicy {
    /// Total attempts including the first (1 = no retry).
    pub max_attempts: u32,
    pub base_delay: Duration,
    pub max_delay: Duration,
    /// Upper bound for an honoured `Retry-After`.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        RetryPolicy {
            max_attempts: 5,
            base_delay: Duration::from_millis(300),
            max_delay: Duration::from_secs(10),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// Delay before attempt `attempt + 1` (attempt counts from 1): a random
    /// value in `[d/2, d]` with `d = min(max_delay, base_delay * 2^(attempt-1))`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let exp = self
            .base_delay
            .saturating_mul(1u32 << (attempt.saturating_sub(1)).min(16));
        let cap = exp.min(self.max_delay);
        let half = cap / 2;
        let jitter = rand::random::<f64>();
        half + half.mul_f64(jitter)
    }

    /// The delay to wait: `Retry-After` when the server gave one (capped), else backoff.
    pub fn delay(&self, attempt: u32, retry_after: Option<Duration>) -> Duration {
        match retry_after {
            Some(d) => d.min(self.max_retry_after),
            None => self.backoff(attempt),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_grows_and_is_capped() {
        let p = RetryPolicy {
            max_attempts: 10,
            base_delay: Duration::from_millis(100),
            max_delay: Duration::from_secs(1),
            max_retry_after: Duration::from_secs(5),
        };
        for _ in 0..50 {
            let d1 = p.backoff(1);
            assert!(d1 >= Duration::from_millis(50) && d1 <= Duration::from_millis(100));
            let d3 = p.backoff(3);
            assert!(d3 >= Duration::from_millis(200) && d3 <= Duration::from_millis(400));
            let d9 = p.backoff(9);
            assert!(d9 >= Duration::from_millis(500) && d9 <= Duration::from_secs(1));
        }
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(2))),
            Duration::from_secs(2)
        );
        assert_eq!(
            p.delay(1, Some(Duration::from_secs(600))),
            Duration::from_secs(5)
        );
    }

    #[test]
    fn bases_are_trimmed() {
        let c = KickConfig::new("http://127.0.0.1:1/", "http://127.0.0.1:2//");
        assert_eq!(
            c.api_url("/public/v1/users"),
            "http://127.0.0.1:2/public/v1/users"
        );
        assert_eq!(c.oauth_base, "http://127.0.0.1:1");
    }
}
