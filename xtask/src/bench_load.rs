//! `cargo xtask bench-load`: the rate of `smtpkit serve` beside Postfix's
//! `smtp-sink`, a server that accepts and discards, in the same run.
//!
//! Each server is driven by Postfix's `smtp-source` and by `smtpkit load`,
//! with one and with twenty sessions at once, with small and large
//! messages. Both drivers send one command at a time (smtp-source does not
//! pipeline, so `smtpkit load` runs without `--pipelining`) and keep each
//! session on one connection. The rate is messages over the wall time of
//! the driver's process, the same clock for both. Beside it, the server's
//! CPU time per message: the user and system time `/proc` reports for the
//! server's process, before and after the run. Every child process is
//! bounded in time, and both servers are killed when the task ends, also
//! on error.

use std::fmt::Write as _;
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{bail, Context as _};

use crate::test::{ensure, Install, Tool};

/// Postfix's test programs, smtp-sink and smtp-source. The package's
/// daemon is never started.
const POSTFIX: Tool = Tool {
    probe: &["sh", "-c", "command -v smtp-sink && command -v smtp-source"],
    install: Install::Apt("postfix"),
};

/// The message sizes measured, in octets.
const SIZES: [u64; 2] = [4096, 102_400];

/// The sessions at once measured.
const SESSIONS: [u64; 2] = [1, 20];

/// How long a server may take to listen.
const LISTEN_LIMIT: Duration = Duration::from_secs(10);

/// The options of the task.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Options {
    /// Messages of a run of small messages; large ones send a fifth.
    pub(crate) messages: u64,
    /// How long one driver may run before it is killed.
    pub(crate) timeout: Duration,
}

impl Default for Options {
    fn default() -> Self {
        Self { messages: 30_000, timeout: Duration::from_secs(60) }
    }
}

/// Reads the task's arguments.
pub(crate) fn parse_args(args: &[String]) -> anyhow::Result<Options> {
    let mut options = Options::default();
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| -> anyhow::Result<u64> {
            let text = args.next().with_context(|| format!("{name} needs a value"))?;
            match text.parse::<u64>() {
                Ok(n) if n > 0 => Ok(n),
                _ => bail!("{name}: expected a positive whole number, not {text:?}"),
            }
        };
        match arg.as_str() {
            "--messages" => options.messages = value("--messages")?,
            "--timeout" => options.timeout = Duration::from_secs(value("--timeout")?),
            other => bail!("unknown argument {other:?}"),
        }
    }
    if options.messages < 5 * SESSIONS[1] {
        bail!("--messages: at least {} so that every session sends one", 5 * SESSIONS[1]);
    }
    Ok(options)
}

/// Builds smtpkit, starts both servers, drives each and prints the table.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let options = parse_args(args)?;
    ensure(&POSTFIX, &mut false)?;
    crate::cmd("cargo", &["build", "--release", "--locked", "-p", "smtpkit-cli"])?;
    let smtpkit = crate::workspace_root().join("target/release/smtpkit");

    let serve_addr = free_addr()?;
    let sink_addr = free_addr()?;
    let mut serve = Command::new(&smtpkit);
    // The store is bounded in octets so that large messages cannot fill
    // the memory; the oldest are dropped first.
    serve.args(["serve", "--quiet", "--max-store-bytes", "67108864", "--listen", &serve_addr]);
    let serve_server = Server::start(serve, &serve_addr).context("starting smtpkit serve")?;
    let mut sink = Command::new("smtp-sink");
    if is_root() {
        // smtp-sink refuses to run as root without a user to switch to.
        sink.args(["-u", "nobody"]);
    }
    sink.args([sink_addr.as_str(), "256"]);
    let sink_server = Server::start(sink, &sink_addr).context("starting smtp-sink")?;
    let ticks = clock_ticks()?;

    let mut rows = Vec::new();
    for size in SIZES {
        let messages = if size == SIZES[0] { options.messages } else { options.messages / 5 };
        for sessions in SESSIONS {
            for driver in [Driver::SmtpSource, Driver::SmtpkitLoad] {
                let run = Run { driver, sessions, messages, size };
                let serve = run.measure(&smtpkit, &serve_server, options.timeout, ticks)?;
                let sink = run.measure(&smtpkit, &sink_server, options.timeout, ticks)?;
                rows.push(Row { run, serve, sink });
            }
        }
    }
    print!("{}", table(&rows));
    Ok(())
}

/// A program that sends the messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Driver {
    /// Postfix's smtp-source.
    SmtpSource,
    /// `smtpkit load`.
    SmtpkitLoad,
}

impl Driver {
    /// Its name in the table.
    fn name(self) -> &'static str {
        match self {
            Self::SmtpSource => "smtp-source",
            Self::SmtpkitLoad => "smtpkit load",
        }
    }
}

/// One measurement: a driver sending `messages` of `size` octets over
/// `sessions` connections at once.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Run {
    pub(crate) driver: Driver,
    pub(crate) sessions: u64,
    pub(crate) messages: u64,
    pub(crate) size: u64,
}

impl Run {
    /// The driver's command line against `addr`.
    fn command(&self, smtpkit: &Path, addr: &str, timeout: Duration) -> Command {
        let (sessions, messages, size) =
            (self.sessions.to_string(), self.messages.to_string(), self.size.to_string());
        match self.driver {
            Driver::SmtpSource => {
                let mut command = Command::new("smtp-source");
                command.args(["-d", "-s", &sessions, "-m", &messages, "-l", &size]);
                command.args(["-f", "hoge@example.net", "-t", "fuga@example.net", addr]);
                command
            }
            Driver::SmtpkitLoad => {
                let mut command = Command::new(smtpkit);
                command.args(["load", "--server", addr, "--sessions", &sessions]);
                command.args(["--messages", &messages, "--size", &size]);
                command.args(["--from", "hoge@example.net", "--to", "fuga@example.net"]);
                command.args(["--max-seconds", &timeout.as_secs().to_string()]);
                command
            }
        }
    }

    /// Runs the driver against `server` and measures the rate and the
    /// server's CPU time per message.
    fn measure(
        &self,
        smtpkit: &Path,
        server: &Server,
        timeout: Duration,
        ticks: u64,
    ) -> anyhow::Result<Measure> {
        let mut command = self.command(smtpkit, &server.addr, timeout);
        eprintln!("xtask: $ {command:?}");
        let before = cpu_time(server.child.id(), ticks)?;
        let elapsed = run_bounded(&mut command, timeout)?;
        let cpu = cpu_time(server.child.id(), ticks)?.saturating_sub(before);
        Ok(Measure { rate: rate(self.messages, elapsed), cpu: cpu / self.messages_u32() })
    }

    /// The count of messages as a divisor of a duration.
    fn messages_u32(&self) -> u32 {
        u32::try_from(self.messages).unwrap_or(u32::MAX).max(1)
    }
}

/// What one run against one server measured.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Measure {
    /// Messages per second.
    pub(crate) rate: f64,
    /// The server's CPU time (user and system) per message.
    pub(crate) cpu: Duration,
}

/// One line of the table: a run against each server.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Row {
    pub(crate) run: Run,
    /// Against `smtpkit serve`.
    pub(crate) serve: Measure,
    /// Against smtp-sink.
    pub(crate) sink: Measure,
}

/// Events per second, zero for no time at all.
pub(crate) fn rate(count: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// The table of rates, one line per run, with the ratio smtpkit serve to
/// smtp-sink, and each server's CPU time per message.
pub(crate) fn table(rows: &[Row]) -> String {
    let mut out = format!(
        "{:>8} {:>8} {:>8}  {:<12} {:>14} {:>14} {:>10} {:>10} {:>10}\n",
        "octets",
        "sessions",
        "messages",
        "driver",
        "smtpkit serve",
        "smtp-sink",
        "serve/sink",
        "serve cpu",
        "sink cpu"
    );
    for row in rows {
        let (serve, sink) = (row.serve.rate, row.sink.rate);
        let ratio = if sink > 0.0 { format!("{:.2}", serve / sink) } else { "-".into() };
        let _ = writeln!(
            out,
            "{:>8} {:>8} {:>8}  {:<12} {:>14.1} {:>14.1} {:>10} {:>10.1} {:>10.1}",
            row.run.size,
            row.run.sessions,
            row.run.messages,
            row.run.driver.name(),
            serve,
            sink,
            ratio,
            micros(row.serve.cpu),
            micros(row.sink.cpu),
        );
    }
    out.push_str("(messages per second; server CPU time in microseconds per message)\n");
    out
}

/// A duration in microseconds.
fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// The user and system time process `pid` has used, from the 14th and
/// 15th fields of `/proc/PID/stat`, counted in `ticks` per second.
fn cpu_time(pid: u32, ticks: u64) -> anyhow::Result<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat"))
        .with_context(|| format!("reading the CPU time of process {pid}"))?;
    parse_cpu_time(&stat, ticks).with_context(|| format!("/proc/{pid}/stat: {stat:?}"))
}

/// The user and system time in a `/proc/PID/stat` line.
fn parse_cpu_time(stat: &str, ticks: u64) -> anyhow::Result<Duration> {
    // The command name, in parentheses, may hold spaces and parentheses:
    // the fields are counted from after its last ')', where the 3rd is.
    let (_, fields) = stat.rsplit_once(')').context("no command name")?;
    let fields: Vec<&str> = fields.split_whitespace().collect();
    let field = |n: usize| -> anyhow::Result<u64> {
        let text = fields.get(n - 3).with_context(|| format!("no field {n}"))?;
        text.parse().with_context(|| format!("field {n} is not a count"))
    };
    let used = field(14)? + field(15)?;
    if ticks == 0 {
        bail!("zero clock ticks per second");
    }
    Ok(Duration::from_secs(used / ticks)
        + Duration::from_nanos(used % ticks * 1_000_000_000 / ticks))
}

/// The clock ticks per second that `/proc` counts CPU time in.
fn clock_ticks() -> anyhow::Result<u64> {
    let output = Command::new("getconf").arg("CLK_TCK").output().context("running getconf")?;
    let text = String::from_utf8_lossy(&output.stdout);
    text.trim().parse().with_context(|| format!("getconf CLK_TCK printed {text:?}"))
}

/// A server process, killed when dropped.
struct Server {
    child: Child,
    /// The address it listens on.
    addr: String,
}

impl Server {
    /// Starts `command` with its output discarded and waits until `addr`
    /// takes connections.
    fn start(mut command: Command, addr: &str) -> anyhow::Result<Self> {
        eprintln!("xtask: $ {command:?} &");
        let child = command
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context("could not start it")?;
        let mut server = Self { child, addr: addr.to_owned() };
        let started = Instant::now();
        while TcpStream::connect(addr).is_err() {
            if let Some(status) = server.child.try_wait()? {
                bail!("it exited with {status}");
            }
            if started.elapsed() > LISTEN_LIMIT {
                bail!("it does not listen on {addr} after {LISTEN_LIMIT:?}");
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Ok(server)
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // A server that already ended needs no kill.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Runs `command` to its end within `limit`, killing it past that, and
/// returns its wall time; fails unless it exits zero.
fn run_bounded(command: &mut Command, limit: Duration) -> anyhow::Result<Duration> {
    let started = Instant::now();
    let mut child = command
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start the driver")?;
    let status = loop {
        if let Some(status) = child.try_wait()? {
            break status;
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            bail!("the driver took longer than {limit:?} and was stopped");
        }
        std::thread::sleep(Duration::from_millis(2));
    };
    let elapsed = started.elapsed();
    if !status.success() {
        let mut stderr = String::new();
        if let Some(mut pipe) = child.stderr.take() {
            let _ = std::io::Read::read_to_string(&mut pipe, &mut stderr);
        }
        bail!("the driver failed with {status}: {}", stderr.trim());
    }
    Ok(elapsed)
}

/// An address on loopback with a port free a moment ago.
fn free_addr() -> anyhow::Result<String> {
    let listener = TcpListener::bind("127.0.0.1:0").context("finding a free port")?;
    Ok(listener.local_addr()?.to_string())
}

/// True when this process runs as the super-user.
fn is_root() -> bool {
    Command::new("id").arg("-u").output().is_ok_and(|o| o.stdout.starts_with(b"0\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_owned).collect()
    }

    #[test]
    fn arguments_set_the_messages_and_the_timeout() {
        assert_eq!(parse_args(&[]).expect("defaults"), Options::default());
        let options = parse_args(&args("--messages 500 --timeout 9")).expect("valid");
        assert_eq!(options, Options { messages: 500, timeout: Duration::from_secs(9) });
    }

    #[test]
    fn bad_arguments_are_refused() {
        for bad in [
            "--messages",
            "--messages 0",
            "--messages x",
            "--timeout -1",
            "--fast",
            "--messages 99",
        ] {
            assert!(parse_args(&args(bad)).is_err(), "{bad}");
        }
    }

    #[test]
    fn the_rate_is_messages_over_seconds() {
        assert_eq!(rate(3000, Duration::from_millis(1500)), 2000.0);
        assert_eq!(rate(1, Duration::ZERO), 0.0);
    }

    #[test]
    fn the_table_has_a_line_per_run_and_the_ratio() {
        let run = Run { driver: Driver::SmtpkitLoad, sessions: 20, messages: 400, size: 102_400 };
        let measure = |rate, micros| Measure { rate, cpu: Duration::from_micros(micros) };
        let rows = [
            Row { run, serve: measure(1500.0, 120), sink: measure(3000.0, 80) },
            Row { run, serve: measure(10.0, 1), sink: measure(0.0, 0) },
        ];
        let table = table(&rows);
        let lines: Vec<&str> = table.lines().collect();
        assert_eq!(lines.len(), 4, "{table}");
        assert!(lines[0].contains("smtpkit serve") && lines[0].ends_with("sink cpu"));
        assert!(lines[1].contains("smtpkit load"), "{table}");
        assert!(
            lines[1].ends_with(" 1500.0         3000.0       0.50      120.0       80.0"),
            "{table}"
        );
        assert!(lines[2].ends_with(" -        1.0        0.0"), "{table}");
        assert!(lines[3].starts_with("(messages per second;"));
    }

    #[test]
    fn cpu_time_is_read_after_the_command_name() {
        let stat = "4242 (smtp sink) (x) S 1 4242 4242 0 -1 4194560 120 0 0 0 250 37 0 0 20 0 1 0";
        assert_eq!(parse_cpu_time(stat, 100).expect("valid"), Duration::from_millis(2870));
        assert_eq!(parse_cpu_time(stat, 1000).expect("valid"), Duration::from_millis(287));
        assert!(parse_cpu_time("4242 (x) S 1 2", 100).is_err(), "too few fields");
        assert!(parse_cpu_time("4242 x S", 100).is_err(), "no command name");
        assert!(parse_cpu_time(stat, 0).is_err(), "no ticks");
    }

    #[test]
    fn this_process_has_a_cpu_time() {
        let ticks = clock_ticks().expect("getconf CLK_TCK");
        assert!(ticks > 0);
        cpu_time(std::process::id(), ticks).expect("this process's own stat");
    }
}
