//! Figures: latency histograms, Markdown rows, and the CPU/memory of both processes.

use std::fmt::Display;
use std::io::Write;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use hdrhistogram::Histogram;

/// Latencies in microseconds (1 µs … 1 h, 3 significant digits).
pub struct Latencies(Histogram<u64>);

impl Latencies {
    pub fn new() -> Latencies {
        Latencies(Histogram::new_with_bounds(1, 3_600_000_000, 3).expect("valid histogram bounds"))
    }

    pub fn record(&mut self, latency: Duration) {
        self.0.saturating_record(latency.as_micros().max(1) as u64);
    }

    pub fn len(&self) -> u64 {
        self.0.len()
    }

    /// Adds every sample of `other`.
    pub fn add(&mut self, other: &Latencies) {
        self.0.add(&other.0).expect("histograms of equal bounds");
    }

    pub fn max_ms(&self) -> f64 {
        self.0.max() as f64 / 1000.0
    }

    /// `p50 1.02 ms, p90 …, p99 …, max … (n = 200)`.
    pub fn summary(&self) -> String {
        if self.0.is_empty() {
            return "no samples".into();
        }
        let q = |q: f64| ms(self.0.value_at_quantile(q));
        format!("p50 {}, p90 {}, p99 {}, max {} (n = {})", q(0.5), q(0.9), q(0.99), ms(self.0.max()), thousands(self.0.len()))
    }
}

/// A histogram several tasks record into.
#[derive(Default)]
pub struct SharedLatencies(Mutex<Option<Latencies>>);

impl SharedLatencies {
    pub fn record(&self, latency: Duration) {
        self.0.lock().unwrap().get_or_insert_with(Latencies::new).record(latency);
    }

    pub fn take(&self) -> Latencies {
        self.0.lock().unwrap().take().unwrap_or_else(Latencies::new)
    }
}

fn ms(micros: u64) -> String {
    let ms = micros as f64 / 1000.0;
    match ms {
        m if m < 10.0 => format!("{m:.2} ms"),
        m if m < 100.0 => format!("{m:.1} ms"),
        m if m < 1000.0 => format!("{m:.0} ms"),
        m => format!("{:.2} s", m / 1000.0),
    }
}

/// `20000` → `20,000`.
pub fn thousands(n: impl Into<u64>) -> String {
    let digits = n.into().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    out
}

pub fn mib(kib: u64) -> String {
    format!("{:.1} MiB", kib as f64 / 1024.0)
}

/// Said after every figure, e.g. how the server was started for this run (`--variant`).
pub static VARIANT: std::sync::OnceLock<String> = std::sync::OnceLock::new();

/// One README row, `| figure | value |`, on stdout (progress goes to stderr).
pub fn row(figure: impl Display, value: impl Display) {
    let variant = VARIANT.get().map_or(String::new(), |v| format!(" ({v})"));
    let mut out = std::io::stdout().lock();
    let _ = writeln!(out, "| {figure}{variant} | {value} |");
    let _ = out.flush();
}

/// This process's CPU time so far (user + system), from getrusage.
pub fn own_cpu() -> Duration {
    // SAFETY: getrusage only writes into the struct we pass.
    let usage = unsafe {
        let mut usage: libc::rusage = std::mem::zeroed();
        libc::getrusage(libc::RUSAGE_SELF, &mut usage);
        usage
    };
    let time = |t: libc::timeval| Duration::from_secs(t.tv_sec as u64) + Duration::from_micros(t.tv_usec as u64);
    time(usage.ru_utime) + time(usage.ru_stime)
}

/// The server process, read from /proc/<pid>.
#[derive(Clone, Copy)]
pub struct ServerProc(pub u32);

impl ServerProc {
    /// Resident memory (`VmRSS`) in KiB.
    pub fn rss_kib(self) -> Option<u64> {
        self.status_kib("VmRSS:")
    }

    /// Peak resident memory (`VmHWM`) in KiB.
    pub fn peak_rss_kib(self) -> Option<u64> {
        self.status_kib("VmHWM:")
    }

    /// CPU time so far (utime + stime, fields 14 and 15 of /proc/<pid>/stat).
    pub fn cpu(self) -> Option<Duration> {
        let stat = std::fs::read_to_string(format!("/proc/{}/stat", self.0)).ok()?;
        // The command name (field 2) may hold spaces; the fields after its ')' start at field 3.
        let fields: Vec<&str> = stat.rsplit_once(')')?.1.split_whitespace().collect();
        let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
        // SAFETY: sysconf has no preconditions.
        let per_second = unsafe { libc::sysconf(libc::_SC_CLK_TCK) }.max(1) as f64;
        Some(Duration::from_secs_f64(ticks as f64 / per_second))
    }

    fn status_kib(self, key: &str) -> Option<u64> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.0)).ok()?;
        status.lines().find(|l| l.starts_with(key))?.split_whitespace().nth(1)?.parse().ok()
    }
}

/// RSS of an optional server, for "before/after" figures.
pub fn rss(server: Option<ServerProc>) -> Option<u64> {
    server.and_then(ServerProc::rss_kib)
}

/// CPU used by both sides over a scenario's measured phase, so a reader can tell which one
/// was the bottleneck (100 % = one core busy; the machine's cores are shared by both).
/// Several servers (`throughput` over several nodes) get one entry each, named by pid.
pub struct Meter {
    scenario: &'static str,
    servers: Vec<(ServerProc, Option<Duration>)>,
    wall: Instant,
    own: Duration,
}

impl Meter {
    pub fn start(scenario: &'static str, servers: impl IntoIterator<Item = ServerProc>) -> Meter {
        let servers = servers.into_iter().map(|s| (s, s.cpu())).collect();
        Meter { scenario, servers, wall: Instant::now(), own: own_cpu() }
    }

    /// Ends the measured phase: CPU of every process over it, and each server's RSS now.
    pub fn stop(self) -> CpuRow {
        let wall = self.wall.elapsed();
        let share =
            |cpu: Duration| format!("{:.1} s ({:.0} %)", cpu.as_secs_f64(), 100.0 * cpu.as_secs_f64() / wall.as_secs_f64());
        let own = share(own_cpu().saturating_sub(self.own));
        let several = self.servers.len() > 1;
        let server_cpu = self
            .servers
            .iter()
            .map(|&(proc, before)| Some(proc.cpu()?.saturating_sub(before?)))
            .sum::<Option<Duration>>()
            .filter(|_| !self.servers.is_empty());
        let servers: Vec<String> = self
            .servers
            .iter()
            .map(|&(proc, before)| {
                let name = if several { format!("server {}", proc.0) } else { "server".into() };
                match (before, proc.cpu(), proc.rss_kib(), proc.peak_rss_kib()) {
                    (Some(before), Some(after), Some(rss), peak) => format!(
                        "{name} {}, RSS {} (peak {})",
                        share(after.saturating_sub(before)),
                        mib(rss),
                        peak.map(mib).unwrap_or_else(|| "?".into())
                    ),
                    _ => format!("{name}: its /proc entry is gone"),
                }
            })
            .collect();
        let servers = if servers.is_empty() { "server: not measured (no --pid)".into() } else { servers.join("; ") };
        CpuRow {
            scenario: self.scenario,
            figure: format!("{}: CPU user+sys over the measured {:.1} s", self.scenario, wall.as_secs_f64()),
            value: format!("load generator {own}; {servers}"),
            server_cpu,
        }
    }
}

/// A scenario's CPU row, printed after its figures.
pub struct CpuRow {
    scenario: &'static str,
    figure: String,
    value: String,
    /// The servers' CPU over the phase, all nodes together.
    server_cpu: Option<Duration>,
}

impl CpuRow {
    pub fn print(self) {
        row(self.figure, self.value);
    }

    /// Prints the servers' CPU per unit of work (a message acknowledged, delivered): a figure
    /// that holds on a shared, noisy machine where latencies do not.
    pub fn print_per(&self, unit: &str, count: usize) {
        if let (Some(cpu), true) = (self.server_cpu, count > 0) {
            row(
                format!("{}: server CPU per {unit}", self.scenario),
                format!(
                    "{:.3} ms ({:.1} s of CPU, {} of them)",
                    cpu.as_secs_f64() * 1000.0 / count as f64,
                    cpu.as_secs_f64(),
                    thousands(count as u64)
                ),
            );
        }
    }
}
