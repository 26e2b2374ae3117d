//! `smtpkit serve`: the mock mail server as a process, showing every
//! conversation and every stored message.

use std::io::Write as _;
use std::net::SocketAddr;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;
use smtpkit_codec::BareLineEndings;
use smtpkit_mock::{
    parse_rule, AuthMode, Direction, Maildirs, MockServer, SessionConfig, StoredMessage, Tls,
};

/// Prints one line, as `println!` does, except that a reader that went
/// away (a closed pipe) is not an error: the server goes on serving
/// without showing what it does.
macro_rules! say {
    ($($arg:tt)*) => {{
        let _ = writeln!(std::io::stdout().lock(), $($arg)*);
    }};
}

/// Arguments of `smtpkit serve`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The address to listen on.
    #[arg(long, default_value = "127.0.0.1:2525")]
    listen: SocketAddr,
    /// The server's name in its greeting and EHLO reply.
    #[arg(long, default_value = "localhost")]
    hostname: String,
    /// The most messages kept in memory; the oldest go first.
    #[arg(long, default_value_t = 10_000)]
    max_messages: usize,
    /// The most octets of message content kept in memory; the oldest
    /// messages go first.
    #[arg(long)]
    max_store_bytes: Option<u64>,
    /// The largest message accepted, in octets (advertised with SIZE).
    #[arg(long)]
    max_size: Option<u64>,
    /// The most recipients of one message.
    #[arg(long)]
    max_recipients: Option<usize>,
    /// What to do with a bare CR or LF in a message.
    #[arg(long, value_enum, default_value = "reject")]
    line_endings: LineEndings,
    /// Also deliver each accepted message into a Maildir per recipient
    /// under DIR (written to tmp/, renamed into new/ before the 250).
    #[arg(long, value_name = "DIR")]
    maildir: Option<std::path::PathBuf>,
    /// A scripted reply, `PHASE [ADDRESS] [times N] => REPLY`, e.g.
    /// `rcpt nobody@example.net => 550 5.1.1 no such user` or
    /// `mail times 1 => 451 4.7.1 greylisted, try again`; repeatable.
    #[arg(long)]
    rule: Vec<String>,
    /// Show only the stored messages, not the conversations.
    #[arg(long)]
    quiet: bool,
    /// Print JSON lines (listening, session bytes, messages) for scripts.
    #[arg(long)]
    json: bool,
    /// Offer STARTTLS with a certificate made at start for --hostname,
    /// signed by an authority made for this server alone, whose
    /// certificate is written to --ca-out.
    #[arg(long, value_enum, conflicts_with_all = ["cert", "key"])]
    tls: Option<TlsSource>,
    /// Offer STARTTLS with this certificate chain (PEM); needs --key.
    #[arg(long, value_name = "FILE", requires = "key")]
    cert: Option<std::path::PathBuf>,
    /// The private key of --cert (PEM).
    #[arg(long, value_name = "FILE", requires = "cert")]
    key: Option<std::path::PathBuf>,
    /// Where to write the authority's certificate of --tls self-signed,
    /// for clients to trust (default: a file in the temporary directory,
    /// named when the server starts).
    #[arg(long, value_name = "FILE", requires = "tls")]
    ca_out: Option<std::path::PathBuf>,
    /// Also listen on ADDR for TLS from the first byte (RFC 8314, port
    /// 465 on a real server); needs a certificate.
    #[arg(long, value_name = "ADDR")]
    smtps_listen: Option<SocketAddr>,
    /// Refuse MAIL with 530 5.7.0 until the client has done STARTTLS.
    #[arg(long)]
    require_tls: bool,
    /// Offer AUTH (PLAIN, LOGIN, CRAM-MD5, XOAUTH2) and let in anyone
    /// (`any`) or the users of --users (`users`). AUTH needs TLS first,
    /// unless --auth-plaintext.
    #[arg(long, value_enum, default_value = "off")]
    auth: AuthArg,
    /// The users of --auth users: lines of `user:password`; `#` starts a
    /// comment.
    #[arg(long, value_name = "FILE")]
    users: Option<std::path::PathBuf>,
    /// Offer AUTH without TLS to clients on a loopback address.
    #[arg(long)]
    auth_plaintext: bool,
}

/// Whom AUTH lets in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum AuthArg {
    /// AUTH is not offered.
    Off,
    /// Any user and password.
    Any,
    /// The users of --users.
    Users,
}

/// Where the certificate comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum TlsSource {
    /// Made at start, with an authority of its own.
    SelfSigned,
}

/// The policies for bare line endings in a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
enum LineEndings {
    /// Read to the real end, answer with an error, store nothing.
    Reject,
    /// Make each bare CR or LF a CRLF.
    Normalize,
    /// Keep them as they came.
    Preserve,
}

/// Serves until Ctrl-C or SIGTERM.
///
/// The server runs on one thread. Its sessions do little work between
/// reads, so what a second worker thread adds is mostly waking the other
/// thread and moving sessions between them: on two cores, one thread
/// accepts more messages per second, with less CPU time per message, and
/// leaves the other core to the clients.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(serve(args))?;
    Ok(ExitCode::SUCCESS)
}

async fn serve(args: &Args) -> anyhow::Result<()> {
    let mut session = SessionConfig { hostname: args.hostname.clone(), ..SessionConfig::default() };
    if let Some(size) = args.max_size {
        session.max_message_size = size;
    }
    if let Some(recipients) = args.max_recipients {
        session.max_recipients = recipients;
    }
    session.bare_line_endings = match args.line_endings {
        LineEndings::Reject => BareLineEndings::Reject,
        LineEndings::Normalize => BareLineEndings::Normalize,
        LineEndings::Preserve => BareLineEndings::Preserve,
    };

    let json = args.json;
    let mut builder = MockServer::builder();
    for text in &args.rule {
        let rule = parse_rule(text).map_err(|e| anyhow::anyhow!("--rule {text:?}: {e}"))?;
        builder = builder.rule(rule);
    }
    if let Some(octets) = args.max_store_bytes {
        builder = builder.store_bytes(octets);
    }
    if let Some(dir) = &args.maildir {
        let maildirs =
            Maildirs::new(dir).with_context(|| format!("--maildir {}", dir.display()))?;
        builder = builder.maildir(maildirs);
    }
    builder = tls(builder, args)?;
    builder = auth(builder, args)?;
    builder = builder.on_tls_failure(move |id, reason| {
        if json {
            say!("{}", json!({ "event": "tls_failed", "session": id, "reason": reason }));
        } else {
            say!("session {id}: TLS handshake failed: {reason}");
        }
    });
    if !args.quiet {
        builder = builder.on_io(move |id, direction, bytes| print_io(json, id, direction, bytes));
    }
    let server = builder
        .listen(args.listen)
        .session(session)
        .store_capacity(args.max_messages, true)
        .on_message(move |message, evicted| {
            print_message(json, message);
            // The store keeps the newest messages within its bounds; say
            // which went to make room.
            for gone in evicted {
                if json {
                    say!("{}", json!({ "event": "evicted", "id": gone }));
                } else {
                    say!("evicted #{gone}: the store keeps the newest messages within its bounds");
                }
            }
        })
        .start()
        .await
        .with_context(|| format!("listening on {}", args.listen))?;

    let stop = stop_signal().context("listening for Ctrl-C and SIGTERM")?;
    let addr = server.addr();
    let ca_file = match server.tls_ca_pem() {
        Some(pem) => {
            let path = args.ca_out.clone().unwrap_or_else(|| {
                std::env::temp_dir().join(format!("smtpkit-serve-{}-ca.pem", addr.port()))
            });
            std::fs::write(&path, pem)
                .with_context(|| format!("writing the CA certificate to {}", path.display()))?;
            Some(path)
        }
        None => None,
    };
    let smtps = server.implicit_tls_addr();
    if json {
        say!(
            "{}",
            json!({
                "event": "listening", "addr": addr.to_string(),
                "starttls": args.tls.is_some() || args.cert.is_some(),
                "smtps_addr": smtps.map(|a| a.to_string()),
                "ca_file": ca_file.as_ref().map(|p| p.display().to_string()),
            })
        );
    } else {
        say!(
            "smtpkit serve: listening on {addr}; talk to it with `telnet {} {}` or `smtpkit talk {addr}`",
            addr.ip(),
            addr.port()
        );
        if let Some(smtps) = smtps {
            say!("smtpkit serve: TLS from the first byte on {smtps}");
        }
        if let Some(path) = &ca_file {
            say!("smtpkit serve: STARTTLS offered; trust the authority in {}", path.display());
        } else if args.cert.is_some() {
            say!("smtpkit serve: STARTTLS offered");
        }
    }

    stop.await;
    server.shutdown().await;
    if json {
        say!("{}", json!({ "event": "stopped" }));
    } else {
        say!("smtpkit serve: stopped");
    }
    Ok(())
}

/// Sets whom AUTH lets in, from the arguments.
fn auth(
    builder: smtpkit_mock::MockServerBuilder,
    args: &Args,
) -> anyhow::Result<smtpkit_mock::MockServerBuilder> {
    let mode = match (args.auth, &args.users) {
        (AuthArg::Off, None) => return Ok(builder),
        (AuthArg::Any, None) => AuthMode::AcceptAny,
        (AuthArg::Users, Some(path)) => {
            let text = std::fs::read_to_string(path)
                .with_context(|| format!("--users {}", path.display()))?;
            AuthMode::users(
                parse_users(&text).with_context(|| format!("--users {}", path.display()))?,
            )
        }
        (AuthArg::Users, None) => anyhow::bail!("--auth users needs --users FILE"),
        (_, Some(_)) => anyhow::bail!("--users goes with --auth users"),
    };
    Ok(builder.auth(mode).auth_without_tls_on_loopback(args.auth_plaintext))
}

/// The `user:password` lines of a users file.
fn parse_users(text: &str) -> anyhow::Result<Vec<(String, String)>> {
    let mut users = Vec::new();
    for (number, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((user, password)) = line.split_once(':') else {
            anyhow::bail!("line {}: expected user:password", number + 1);
        };
        users.push((user.to_owned(), password.to_owned()));
    }
    Ok(users)
}

/// Sets the certificate, the implicit TLS listener and whether TLS is
/// required, from the arguments.
fn tls(
    mut builder: smtpkit_mock::MockServerBuilder,
    args: &Args,
) -> anyhow::Result<smtpkit_mock::MockServerBuilder> {
    let read = |path: &std::path::Path| {
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))
    };
    let tls = match (&args.tls, &args.cert, &args.key) {
        (Some(TlsSource::SelfSigned), _, _) => Some(Tls::SelfSigned),
        (None, Some(cert), Some(key)) => {
            Some(Tls::Pem { certificate_chain: read(cert)?, private_key: read(key)? })
        }
        _ => None,
    };
    if tls.is_none() && (args.smtps_listen.is_some() || args.require_tls) {
        anyhow::bail!(
            "--smtps-listen and --require-tls need --tls self-signed or --cert and --key"
        );
    }
    if let Some(tls) = tls {
        builder = builder.tls(tls).require_tls(args.require_tls);
    }
    if let Some(addr) = args.smtps_listen {
        builder = builder.implicit_tls(addr);
    }
    Ok(builder)
}

/// Registers for Ctrl-C and, on Unix, SIGTERM, and returns what waits for
/// either. Registering is done at once, so that a signal sent as soon as
/// the listening line is out stops the server cleanly rather than killing
/// the process.
#[cfg(unix)]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    use tokio::signal::unix::{signal, SignalKind};

    let mut interrupt = signal(SignalKind::interrupt())?;
    let mut terminate = signal(SignalKind::terminate())?;
    Ok(async move {
        tokio::select! {
            _ = interrupt.recv() => {}
            _ = terminate.recv() => {}
        }
    })
}

/// Returns what waits for Ctrl-C.
#[cfg(not(unix))]
fn stop_signal() -> std::io::Result<impl std::future::Future<Output = ()>> {
    Ok(async {
        let _ = tokio::signal::ctrl_c().await;
    })
}

/// Prints a session's bytes line by line: `->` what the client sent, `<-`
/// what the server answered.
// TODO: the lines do not show which turns went over TLS, as the observer
// is not told; someone watching a STARTTLS session sees the switch only in
// the 220 to STARTTLS and in the stored message's line, where transcripts
// and `smtpkit send` mark every turn.
fn print_io(json: bool, id: u64, direction: Direction, bytes: &[u8]) {
    let (arrow, name) = match direction {
        Direction::Client => ("->", "client"),
        Direction::Server => ("<-", "server"),
    };
    for line in String::from_utf8_lossy(bytes).split_inclusive('\n') {
        let line = line.trim_end_matches(['\r', '\n']);
        if json {
            say!("{}", json!({ "event": "io", "session": id, "direction": name, "line": line }));
        } else {
            say!("[{id}] {arrow} {line}");
        }
    }
}

/// Prints a line about a stored message.
fn print_message(json: bool, stored: &StoredMessage) {
    let envelope = &stored.message.envelope;
    let from = envelope.reverse_path.to_string();
    let to: Vec<String> = envelope.recipients.iter().map(|r| r.forward_path.to_string()).collect();
    let subject = stored
        .message
        .header_section()
        .ok()
        .and_then(|(section, _)| section.subject().map(|s| s.into_owned()));
    let size = stored.message.content.len();
    let tls = stored.message.facts.tls.as_ref();
    if json {
        let tls = tls.map(|t| {
            json!({ "version": t.version, "cipher_suite": t.cipher_suite, "implicit": t.implicit })
        });
        say!(
            "{}",
            json!({
                "event": "message", "id": stored.id, "from": from, "to": to,
                "subject": subject, "size": size, "tls": tls,
                "auth": stored.message.facts.auth,
            })
        );
    } else {
        let subject = subject.map_or_else(String::new, |s| format!(" subject {s:?}"));
        let tls = tls.map_or_else(String::new, |t| format!(", {} {}", t.version, t.cipher_suite));
        say!(
            "stored #{} from {from} to {}{subject} ({size} octets{tls})",
            stored.id,
            to.join(", ")
        );
    }
}
