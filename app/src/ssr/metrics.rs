//! The operator's figures, served at `/metrics` in the Prometheus text format: open sockets by
//! kind, events committed, write latency, queue length per group (read when scraped), limit
//! refusals and errors. One registry per process: the counters are touched from the writer,
//! the WebSocket tasks and the request middleware, which share nothing else.

use std::fmt::Write;
use std::sync::OnceLock;
use std::time::Duration;

use prometheus_client::encoding::{EncodeLabelSet, EncodeLabelValue, LabelValueEncoder};
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Kind {
    pub kind: &'static str,
}

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct Group {
    pub group: LabelText,
}

/// A label value people chose (a group's name), escaped as the text format asks: `\`, `"` and
/// line feeds. prometheus-client writes label values as they are (client_rust issue #151), so
/// one quote in a name would break the whole scrape or forge labels.
#[derive(Clone, Debug, Hash, PartialEq, Eq)]
pub struct LabelText(pub String);

impl EncodeLabelValue for LabelText {
    fn encode(&self, encoder: &mut LabelValueEncoder) -> Result<(), std::fmt::Error> {
        for c in self.0.chars() {
            match c {
                '\\' => encoder.write_str("\\\\")?,
                '"' => encoder.write_str("\\\"")?,
                '\n' => encoder.write_str("\\n")?,
                c => encoder.write_char(c)?,
            }
        }
        Ok(())
    }
}

pub struct Metrics {
    registry: Registry,
    /// Open WebSockets: `agent`, `end_user`, or `pending` (before the hello).
    pub sockets: Family<Kind, Gauge>,
    /// Events committed to the stream on this node (`rate()` gives events per second).
    pub events: Counter,
    /// From a write's submission to its commit (the client's acknowledgement waits this long).
    pub write_seconds: Histogram,
    /// Jobs per writer batch (`_count` is the number of batches, i.e. of commits).
    pub batch_jobs: Histogram,
    /// Chat requests waiting per assignment group, as of the last scrape.
    pub queue_length: Family<Group, Gauge>,
    /// Requests refused by a limit: `start_chat`, `log_on`, `post`, `waiting_messages`, `sockets`.
    pub refused: Family<Kind, Counter>,
    /// `store` (a failed read or write), `http_5xx`, `websocket` (a connection closed on error).
    pub errors: Family<Kind, Counter>,
    /// Connections that fell behind (a full inbox) and replayed from the store.
    pub lagged: Counter,
    /// Writer jobs sent again because the database broke their batch off (store/writer.rs).
    pub writes_retried: Counter,
    /// One routing pass (desk/routing.rs), by phase (label `kind`): `read` (the team, loads and queue it
    /// weighs) and `write` (its offers, submission to commit); `_count` is the passes.
    pub routing_seconds: Family<Kind, Histogram, fn() -> Histogram>,
    /// Offers a pass planned but could not write: another node offered first, the agent or the
    /// request changed meanwhile. Each costs another pass.
    pub offers_lost: Counter,
}

impl Metrics {
    fn new() -> Metrics {
        let (sockets, events, queue_length, refused, errors, lagged) =
            (Family::default(), Counter::default(), Family::default(), Family::default(), Family::default(), Counter::default());
        // 0.25 ms … ~4 s
        let write_seconds = Histogram::new(exponential_buckets(0.000_25, 2.0, 15));
        // 1 … 1024 jobs
        let batch_jobs = Histogram::new(exponential_buckets(1.0, 2.0, 11));
        let mut registry = Registry::with_prefix("deskchat");
        registry.register("sockets", "Open WebSockets by kind", Family::clone(&sockets));
        registry.register("events", "Events committed to the stream", Counter::clone(&events));
        registry.register("write_seconds", "Latency of a write, submission to commit", write_seconds.clone());
        registry.register("writer_batch_jobs", "Jobs per writer batch (one transaction each)", batch_jobs.clone());
        registry.register("queue_length", "Chat requests waiting, per assignment group", Family::clone(&queue_length));
        registry.register("refused", "Requests refused by a limit", Family::clone(&refused));
        registry.register("errors", "Errors by kind", Family::clone(&errors));
        registry.register("lagged", "Connections that fell behind and replayed from the store", Counter::clone(&lagged));
        let writes_retried = Counter::default();
        registry.register("writes_retried", "Writer jobs sent again after the database broke their batch off", writes_retried.clone());
        // 0.1 ms … ~3 s
        let routing_seconds: Family<Kind, Histogram, fn() -> Histogram> =
            Family::new_with_constructor(|| Histogram::new(exponential_buckets(0.000_1, 2.0, 15)));
        registry.register("routing_seconds", "A routing pass, by phase: read, write", routing_seconds.clone());
        let offers_lost = Counter::default();
        registry.register("offers_lost", "Planned offers not written: the request or agent changed meanwhile", offers_lost.clone());
        Metrics {
            registry,
            sockets,
            events,
            write_seconds,
            batch_jobs,
            queue_length,
            refused,
            errors,
            lagged,
            writes_retried,
            routing_seconds,
            offers_lost,
        }
    }

    pub fn refused(&self, kind: &'static str) {
        self.refused.get_or_create(&Kind { kind }).inc();
    }

    pub fn error(&self, kind: &'static str) {
        self.errors.get_or_create(&Kind { kind }).inc();
    }

    /// One routing pass's `phase` (`read`, `write`) took `took`.
    pub fn routed(&self, phase: &'static str, took: Duration) {
        self.routing_seconds.get_or_create(&Kind { kind: phase }).observe(took.as_secs_f64());
    }

    pub fn wrote(&self, took: Duration) {
        self.write_seconds.observe(took.as_secs_f64());
    }

    /// Replaces the queue lengths (a group with none waiting reads 0, a removed group vanishes).
    pub fn set_queues(&self, queues: impl IntoIterator<Item = (String, i64)>) {
        self.queue_length.clear();
        for (group, waiting) in queues {
            self.queue_length.get_or_create(&Group { group: LabelText(group) }).set(waiting);
        }
    }

    pub fn encode(&self) -> String {
        let mut text = String::new();
        // Writing into a String cannot fail.
        let _ = prometheus_client::encoding::text::encode(&mut text, &self.registry);
        text
    }
}

pub fn metrics() -> &'static Metrics {
    static METRICS: OnceLock<Metrics> = OnceLock::new();
    METRICS.get_or_init(Metrics::new)
}

/// Counts an open socket of one kind until dropped; the kind can change once (after the hello).
pub struct SocketGauge(&'static str);

impl SocketGauge {
    pub fn new(kind: &'static str) -> SocketGauge {
        metrics().sockets.get_or_create(&Kind { kind }).inc();
        SocketGauge(kind)
    }

    pub fn became(&mut self, kind: &'static str) {
        metrics().sockets.get_or_create(&Kind { kind: self.0 }).dec();
        metrics().sockets.get_or_create(&Kind { kind }).inc();
        self.0 = kind;
    }
}

impl Drop for SocketGauge {
    fn drop(&mut self) {
        metrics().sockets.get_or_create(&Kind { kind: self.0 }).dec();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_text_format_names_every_family() {
        let m = metrics();
        m.refused("start_chat");
        m.error("store");
        m.wrote(Duration::from_millis(3));
        m.routed("read", Duration::from_millis(2));
        m.set_queues([("Network".to_string(), 4)]);
        {
            let mut socket = SocketGauge::new("pending");
            socket.became("end_user");
            let text = m.encode();
            assert!(text.contains("deskchat_sockets{kind=\"end_user\"} "), "{text}");
        }
        let text = m.encode();
        for name in [
            "deskchat_refused_total{kind=\"start_chat\"}",
            "deskchat_errors_total{kind=\"store\"}",
            "deskchat_write_seconds_bucket",
            "deskchat_queue_length{group=\"Network\"} 4",
            "deskchat_events_total",
            "deskchat_lagged_total",
            "deskchat_writes_retried_total",
            "deskchat_routing_seconds_count{kind=\"read\"}",
            "deskchat_offers_lost_total",
        ] {
            assert!(text.contains(name), "{name} missing from:\n{text}");
        }
    }

    #[test]
    fn label_values_are_escaped() {
        let mut text = String::new();
        let family = Family::<Group, Gauge>::default();
        family.get_or_create(&Group { group: LabelText("a\\b \"c\"\nd".into()) }).set(1);
        let mut registry = Registry::default();
        registry.register("q", "q", family);
        prometheus_client::encoding::text::encode(&mut text, &registry).unwrap();
        assert!(text.contains(r#"q{group="a\\b \"c\"\nd"} 1"#), "{text}");
    }
}
