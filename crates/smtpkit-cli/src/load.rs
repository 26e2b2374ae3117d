//! `smtpkit load`: a bounded load generator. Many client sessions at once,
//! each on one connection, send generated messages to a server and the
//! run ends with the rate, the latency per message and the errors by
//! reply code.
//!
//! Everything is bounded: the number of messages, each step's deadline
//! and the whole run's time.

use std::collections::BTreeMap;
use std::io::IsTerminal as _;
use std::process::ExitCode;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use indicatif::{ProgressBar, ProgressStyle};
use serde_json::json;
use smtpkit_client::{Client, ClientConfig, Envelope, Error, ErrorKind};
use smtpkit_codec::field::address::Mailbox;
use smtpkit_codec::field::date::DateTime;
use smtpkit_codec::{ForwardPath, Host, MessageBuilder, MessageId, ReversePath};

/// The most sessions at once: each is a connection and a task.
pub const SESSIONS_LIMIT: u64 = 1_000;

/// The most messages of one run.
pub const MESSAGES_LIMIT: u64 = 10_000_000;

/// The largest message generated, in octets.
pub const SIZE_LIMIT: u64 = 64 * 1024 * 1024;

/// Arguments of `smtpkit load`.
#[derive(Debug, clap::Args)]
#[command(after_help = "Exit status: 0 when every message was accepted, 1 otherwise.")]
pub struct Args {
    /// The server, as HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:2525")]
    server: String,
    /// Sessions at once, each on its own connection.
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u64).range(1..=SESSIONS_LIMIT))]
    sessions: u64,
    /// Messages in all, shared out among the sessions.
    #[arg(long, default_value_t = 100, value_parser = clap::value_parser!(u64).range(1..=MESSAGES_LIMIT))]
    messages: u64,
    /// The size of each message in octets, header section included
    /// (about: the smallest message is its header section).
    #[arg(long, default_value_t = 4096, value_parser = clap::value_parser!(u64).range(1..=SIZE_LIMIT))]
    size: u64,
    /// Pipeline MAIL, RCPT and DATA when the server offers PIPELINING;
    /// without it, every command waits for the reply to the one before.
    #[arg(long)]
    pipelining: bool,
    /// Seconds to wait for the connection, each reply and each block of a
    /// message.
    #[arg(long, value_name = "SECONDS", default_value_t = 30, value_parser = clap::value_parser!(u64).range(1..))]
    timeout: u64,
    /// Seconds the whole run may take; messages not sent by then count as
    /// errors of kind "time limit".
    #[arg(long, value_name = "SECONDS", default_value_t = 300, value_parser = clap::value_parser!(u64).range(1..))]
    max_seconds: u64,
    /// The sender of every message.
    #[arg(long, default_value = "load@example.net")]
    from: String,
    /// The recipient of every message.
    #[arg(long, default_value = "sink@example.net")]
    to: String,
    /// Print the report as one JSON object.
    #[arg(long)]
    json: bool,
}

/// Runs the load and prints the report.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let from: Mailbox = args.from.parse().map_err(|e| anyhow::anyhow!("--from: {e}"))?;
    let to: Mailbox = args.to.parse().map_err(|e| anyhow::anyhow!("--to: {e}"))?;
    let template = Arc::new(Template::new(&from, &to, args.size)?);
    let envelope = Arc::new(Envelope {
        reverse_path: ReversePath::Mailbox(
            from.addr_spec().to_envelope().map_err(|e| anyhow::anyhow!("--from: {e}"))?,
        ),
        parameters: Default::default(),
        recipients: vec![(
            ForwardPath::Mailbox(
                to.addr_spec().to_envelope().map_err(|e| anyhow::anyhow!("--to: {e}"))?,
            ),
            Default::default(),
        )],
    });

    // One thread carries every session: they wait on the server, not on
    // the processor, and a wake-up on another thread costs more than it
    // saves when the server runs on the same few cores.
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let report = runtime.block_on(load(args, template, envelope));
    runtime.shutdown_timeout(Duration::from_secs(1));

    if args.json {
        println!("{}", report.to_json());
    } else {
        print!("{}", report.render());
    }
    if report.sent == args.messages {
        Ok(ExitCode::SUCCESS)
    } else {
        eprintln!(
            "smtpkit: {} of {} messages not sent",
            args.messages - report.sent,
            args.messages
        );
        Ok(ExitCode::FAILURE)
    }
}

/// The outcome of a run.
#[derive(Debug, Clone, PartialEq)]
pub struct Report {
    /// Messages the server accepted (250 to the end of data).
    pub sent: u64,
    /// Messages in all.
    pub messages: u64,
    /// Sessions at once.
    pub sessions: u64,
    /// The size of each message in octets.
    pub size: u64,
    /// Whether pipelining was allowed.
    pub pipelining: bool,
    /// The run's time, from the first connection to the last QUIT.
    pub elapsed: Duration,
    /// Each accepted message's time from MAIL to the reply to its end.
    pub latencies: Vec<Duration>,
    /// Messages not sent, by reply code or, for what was no reply, by the
    /// kind of error.
    pub errors: BTreeMap<String, u64>,
}

impl Report {
    /// Accepted messages per second.
    pub fn rate(&self) -> f64 {
        rate(self.sent, self.elapsed)
    }

    /// The report as one JSON object; latencies in milliseconds.
    pub fn to_json(&self) -> serde_json::Value {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let ms = |p| percentile(&sorted, p).map(|d| d.as_secs_f64() * 1000.0);
        json!({
            "sent": self.sent,
            "messages": self.messages,
            "sessions": self.sessions,
            "size": self.size,
            "pipelining": self.pipelining,
            "seconds": self.elapsed.as_secs_f64(),
            "messages_per_second": self.rate(),
            "latency_ms": { "p50": ms(50), "p99": ms(99) },
            "errors": self.errors,
        })
    }

    /// The report as lines for a person.
    pub fn render(&self) -> String {
        let mut sorted = self.latencies.clone();
        sorted.sort_unstable();
        let ms = |p| {
            percentile(&sorted, p)
                .map_or("-".to_owned(), |d| format!("{:.2} ms", d.as_secs_f64() * 1000.0))
        };
        let pipelining = if self.pipelining { "pipelining allowed" } else { "no pipelining" };
        let mut out = format!(
            "sent     {} of {} messages of {} octets, {} sessions, {pipelining}\n\
             time     {:.3} s\n\
             rate     {:.1} messages/s\n\
             latency  p50 {}, p99 {}\n",
            self.sent,
            self.messages,
            self.size,
            self.sessions,
            self.elapsed.as_secs_f64(),
            self.rate(),
            ms(50),
            ms(99),
        );
        if self.errors.is_empty() {
            out.push_str("errors   none\n");
        }
        for (cause, count) in &self.errors {
            out.push_str(&format!("errors   {cause}: {count}\n"));
        }
        out
    }
}

/// Events per second, zero for no time at all.
pub fn rate(count: u64, elapsed: Duration) -> f64 {
    let seconds = elapsed.as_secs_f64();
    if seconds > 0.0 {
        count as f64 / seconds
    } else {
        0.0
    }
}

/// The `p`th percentile (nearest rank) of `sorted`, which is in ascending
/// order; `None` when it is empty.
pub fn percentile(sorted: &[Duration], p: u32) -> Option<Duration> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (u64::from(p.min(100)) * sorted.len() as u64).div_ceil(100).max(1);
    sorted.get(usize::try_from(rank - 1).ok()?).copied()
}

/// How many of `messages` session `index` of `sessions` sends: an even
/// share, the first sessions taking one more for the remainder.
pub fn share(messages: u64, sessions: u64, index: u64) -> u64 {
    messages / sessions + u64::from(index < messages % sessions)
}

/// The cause an error is counted under: the reply code where the server
/// answered, else the kind of error.
pub fn cause(error: &Error) -> String {
    match error.kind() {
        ErrorKind::Rejected { reply, .. } => reply.code().get().to_string(),
        ErrorKind::AllRecipientsRejected { replies } => {
            replies.first().map_or("no recipients".to_owned(), |r| r.code().get().to_string())
        }
        ErrorKind::Connect(_) => "connect".to_owned(),
        ErrorKind::Io(_) => "io".to_owned(),
        ErrorKind::Timeout { .. } => "timeout".to_owned(),
        ErrorKind::Closed { .. } => "closed".to_owned(),
        ErrorKind::Broken { .. } => "broken".to_owned(),
        ErrorKind::Protocol { .. } => "protocol".to_owned(),
        ErrorKind::OutcomeUnknown { .. } => "outcome unknown".to_owned(),
        ErrorKind::Unsupported { .. } => "unsupported".to_owned(),
        ErrorKind::MessageTooLarge { .. } => "too large".to_owned(),
        _ => "other".to_owned(),
    }
}

/// A generated message, built once per size, with a counter in its
/// Message-ID that each session rewrites in place before each send.
#[derive(Debug)]
struct Template {
    /// The whole message.
    bytes: Vec<u8>,
    /// Where the counter's digits start.
    counter_at: usize,
}

/// The digits of the counter in the Message-ID: enough for
/// [`SESSIONS_LIMIT`] times [`MESSAGES_LIMIT`].
const COUNTER_DIGITS: usize = 16;

/// The length of each body line without its CRLF, well within RFC 5321's
/// 1000 octets.
const BODY_LINE: usize = 76;

impl Template {
    /// A message from `from` to `to` of about `size` octets: the header
    /// section, then lines of text up to the size.
    fn new(from: &Mailbox, to: &Mailbox, size: u64) -> anyhow::Result<Self> {
        let placeholder = "0".repeat(COUNTER_DIGITS);
        let id = MessageId::new(&format!("load.{placeholder}"), "smtpkit.invalid")
            .map_err(|e| anyhow::anyhow!("the Message-ID: {e}"))?;
        let builder = MessageBuilder::new()
            .from(from.clone())
            .to(to.clone())
            .subject(format!("smtpkit load, {size} octets"))
            .date(DateTime::now_utc())
            .message_id(id);
        let header = builder.build().context("building the message")?;

        let size = usize::try_from(size).context("--size")?;
        let mut body = String::with_capacity(size.saturating_sub(header.len()));
        let words = "The quick brown fox jumps over the lazy dog. ";
        while header.len() + body.len() + BODY_LINE + 2 <= size {
            let mut line: String = words.chars().cycle().take(BODY_LINE).collect();
            line.push_str("\r\n");
            body.push_str(&line);
        }
        let rest = size.saturating_sub(header.len() + body.len() + 2);
        if rest > 0 {
            body.extend(words.chars().cycle().take(rest));
            body.push_str("\r\n");
        }
        let bytes = builder.text(body).build().context("building the message")?;

        let needle = format!("<load.{placeholder}@");
        let counter_at = bytes
            .windows(needle.len())
            .position(|w| w == needle.as_bytes())
            .context("the Message-ID is in the message")?
            + "<load.".len();
        Ok(Self { bytes, counter_at })
    }
}

/// Writes `counter` into `message` as the template's Message-ID counter.
fn stamp(message: &mut [u8], at: usize, counter: u64) {
    let digits = format!("{counter:0width$}", width = COUNTER_DIGITS);
    message[at..at + COUNTER_DIGITS].copy_from_slice(&digits.as_bytes()[..COUNTER_DIGITS]);
}

/// What the sessions found, shared while they run, so that a run cut off
/// by its time limit still reports what was done.
#[derive(Debug, Default)]
struct Tally {
    /// Messages accepted.
    sent: u64,
    /// Their latencies.
    latencies: Vec<Duration>,
    /// Messages not sent, by cause.
    errors: BTreeMap<String, u64>,
}

/// Runs every session within the time limit and returns the report.
async fn load(args: &Args, template: Arc<Template>, envelope: Arc<Envelope>) -> Report {
    let tally = Arc::new(Mutex::new(Tally::default()));
    let progress = progress_bar(args.messages);
    let timeout = Duration::from_secs(args.timeout);
    let config = ClientConfig {
        connect_timeout: timeout,
        pipelining: args.pipelining,
        // A session of thousands of messages needs no transcript.
        transcript_limit: 4096,
        ..ClientConfig::default().with_step_timeouts(timeout)
    };

    let started = Instant::now();
    let mut tasks = tokio::task::JoinSet::new();
    for index in 0..args.sessions {
        let count = share(args.messages, args.sessions, index);
        if count == 0 {
            continue;
        }
        let job = Session {
            server: args.server.clone(),
            config: config.clone(),
            envelope: Arc::clone(&envelope),
            template: Arc::clone(&template),
            first: index * MESSAGES_LIMIT,
            count,
            tally: Arc::clone(&tally),
            progress: progress.clone(),
        };
        tasks.spawn(job.run());
    }
    let all = async { while tasks.join_next().await.is_some() {} };
    let in_time = tokio::time::timeout(Duration::from_secs(args.max_seconds), all).await.is_ok();
    tasks.abort_all();
    let elapsed = started.elapsed();
    progress.finish_and_clear();

    let mut tally = std::mem::take(&mut *tally.lock().unwrap_or_else(PoisonError::into_inner));
    let done = tally.sent + tally.errors.values().sum::<u64>();
    if !in_time || done < args.messages {
        *tally.errors.entry("time limit".to_owned()).or_default() +=
            args.messages.saturating_sub(done);
    }
    Report {
        sent: tally.sent,
        messages: args.messages,
        sessions: args.sessions,
        size: args.size,
        pipelining: args.pipelining,
        elapsed,
        latencies: tally.latencies,
        errors: tally.errors,
    }
}

/// A bar on standard error, or nothing where that is not a terminal.
fn progress_bar(messages: u64) -> ProgressBar {
    if !std::io::stderr().is_terminal() {
        return ProgressBar::hidden();
    }
    let bar = ProgressBar::new(messages);
    if let Ok(style) =
        ProgressStyle::with_template("{bar:40} {pos}/{len} messages, {per_sec}, {elapsed}")
    {
        bar.set_style(style);
    }
    bar
}

/// One session's work: connect, greet, send its share, quit.
struct Session {
    /// The server, as HOST:PORT.
    server: String,
    /// Deadlines and whether to pipeline.
    config: ClientConfig,
    /// The same for every message.
    envelope: Arc<Envelope>,
    /// The message to copy.
    template: Arc<Template>,
    /// The counter of this session's first message.
    first: u64,
    /// How many messages it sends.
    count: u64,
    /// Where the outcomes go.
    tally: Arc<Mutex<Tally>>,
    /// Moved on at each message.
    progress: ProgressBar,
}

impl Session {
    /// Sends the session's messages. A failure that leaves the connection
    /// unusable counts the messages it did not send under that failure.
    async fn run(self) {
        let mut message = self.template.bytes.clone();
        let ehlo = Host::new("localhost").expect("a fixed valid name");
        let mut client = match Client::connect(self.server.as_str(), self.config.clone()).await {
            Ok(client) => client,
            Err(error) => return self.fail(&error, self.count),
        };
        if let Err(error) = client.ehlo(&ehlo).await {
            return self.fail(&error, self.count);
        }

        for n in 0..self.count {
            stamp(&mut message, self.template.counter_at, self.first + n);
            let started = Instant::now();
            let result = client.send(&self.envelope, &message).await;
            let latency = started.elapsed();
            self.progress.inc(1);
            match result {
                Ok(_) => {
                    let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
                    tally.sent += 1;
                    tally.latencies.push(latency);
                }
                // The client resets the transaction after these, so the
                // connection goes on to the next message.
                Err(error)
                    if matches!(
                        error.kind(),
                        ErrorKind::Rejected { .. } | ErrorKind::AllRecipientsRejected { .. }
                    ) =>
                {
                    self.fail(&error, 1);
                }
                Err(error) => return self.fail(&error, self.count - n),
            }
        }
        // The messages are counted; a failed QUIT changes none of them.
        let _ = client.quit().await;
    }

    /// Counts `messages` as not sent because of `error`.
    fn fail(&self, error: &Error, messages: u64) {
        let mut tally = self.tally.lock().unwrap_or_else(PoisonError::into_inner);
        *tally.errors.entry(cause(error)).or_default() += messages;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn messages_are_shared_out_evenly_with_the_remainder_first() {
        let shares: Vec<u64> = (0..4).map(|i| share(10, 4, i)).collect();
        assert_eq!(shares, [3, 3, 2, 2]);
        let shares: Vec<u64> = (0..3).map(|i| share(2, 3, i)).collect();
        assert_eq!(shares, [1, 1, 0]);
    }

    #[test]
    fn percentiles_take_the_nearest_rank() {
        let sorted: Vec<Duration> = (1..=100).map(Duration::from_millis).collect();
        assert_eq!(percentile(&sorted, 50), Some(Duration::from_millis(50)));
        assert_eq!(percentile(&sorted, 99), Some(Duration::from_millis(99)));
        assert_eq!(percentile(&sorted, 100), Some(Duration::from_millis(100)));
        assert_eq!(percentile(&sorted[..1], 99), Some(Duration::from_millis(1)));
        assert_eq!(percentile(&[], 50), None);
    }

    #[test]
    fn the_rate_is_zero_for_no_time() {
        assert_eq!(rate(10, Duration::ZERO), 0.0);
        assert_eq!(rate(10, Duration::from_millis(500)), 20.0);
    }

    #[test]
    fn a_generated_message_is_about_its_size_with_a_counter_in_its_id() {
        let from: Mailbox = "hoge@example.net".parse().expect("valid");
        let to: Mailbox = "fuga@example.net".parse().expect("valid");
        for size in [2000u64, 4096, 102_400] {
            let template = Template::new(&from, &to, size).expect("builds");
            let length = template.bytes.len() as u64;
            assert!(length.abs_diff(size) <= 2, "{size}: {length}");
            let mut message = template.bytes.clone();
            stamp(&mut message, template.counter_at, 42);
            let text = String::from_utf8(message).expect("ASCII");
            assert!(text.contains("<load.0000000000000042@smtpkit.invalid>"), "{text}");
            assert!(text.contains("\r\nFrom: hoge@example.net\r\n"), "{text}");
            assert!(text.lines().all(|line| line.len() < 1000));
        }
    }

    #[test]
    fn a_message_smaller_than_its_header_section_is_the_header_section() {
        let from: Mailbox = "hoge@example.net".parse().expect("valid");
        let to: Mailbox = "fuga@example.net".parse().expect("valid");
        let template = Template::new(&from, &to, 1).expect("builds");
        assert!(template.bytes.ends_with(b"\r\n\r\n"));
    }
}
