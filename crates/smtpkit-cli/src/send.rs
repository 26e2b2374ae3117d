//! `smtpkit send`: build a message (or take a raw one) and send it, showing
//! the conversation as it went.

use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Duration;

use anyhow::{bail, Context as _};
use serde_json::json;
use smtpkit_client::{
    Client, ClientConfig, Credentials, Direction, Envelope, Error, ErrorKind, TlsMode,
};
use smtpkit_codec::field::address::Mailbox;
use smtpkit_codec::{ForwardPath, Host, Mechanism, MessageBuilder, ReversePath};

/// The exit statuses of `smtpkit send`, documented in `--help`.
pub const EXIT_HELP: &str = "\
Exit status: 0 sent; 1 bad arguments or another error; 2 could not connect;
3 rejected at the greeting or EHLO; 4 rejected at MAIL; 5 every recipient
rejected; 6 rejected at DATA or after the message; 7 the server broke the
protocol; 8 outcome unknown (connection lost after the message was sent);
9 no reply in time; 10 the server closed the connection; 11 reading or
writing failed; 12 the message needs an extension the server does not
offer (SMTPUTF8, 8BITMIME); 13 the message is over the server's SIZE;
14 TLS failed or was required and not offered; 15 authentication failed
or AUTH (or the mechanism asked for) is not offered.";

/// Arguments of `smtpkit send`.
#[derive(Debug, clap::Args)]
#[command(after_help = EXIT_HELP)]
pub struct Args {
    /// The server, as HOST:PORT.
    #[arg(long, default_value = "127.0.0.1:2525")]
    server: String,
    /// The sender, as `addr@domain` or `Name <addr@domain>`.
    #[arg(long)]
    from: String,
    /// A recipient; repeat for more.
    #[arg(long, required = true)]
    to: Vec<String>,
    /// The subject; non-ASCII text is encoded (RFC 2047).
    #[arg(long)]
    subject: Option<String>,
    /// Another header field, as `Name: value`; repeat for more.
    #[arg(long)]
    header: Vec<String>,
    /// The body text.
    #[arg(long, conflicts_with_all = ["body_file", "data_file"])]
    body: Option<String>,
    /// A file holding the body text.
    #[arg(long, conflicts_with = "data_file")]
    body_file: Option<PathBuf>,
    /// A whole message to send as it is, header section included; it
    /// takes no --subject or --header.
    #[arg(long)]
    data_file: Option<PathBuf>,
    /// The name to greet with.
    #[arg(long, default_value = "localhost")]
    ehlo: String,
    /// Stop after this step and QUIT.
    #[arg(long, value_enum)]
    quit_after: Option<Step>,
    /// Print the transcript as JSON lines instead of arrows.
    #[arg(long)]
    json: bool,
    /// Seconds to wait for each reply and each block of the message,
    /// instead of RFC 5321's minimums (5 minutes for most commands).
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u64).range(1..))]
    timeout: Option<u64>,
    /// Upgrade with STARTTLS, or send nothing: a server that does not
    /// offer it gets QUIT.
    #[arg(long, conflicts_with_all = ["starttls_optional", "tls_on_connect"])]
    starttls: bool,
    /// Upgrade with STARTTLS when the server offers it, else go on in
    /// plaintext.
    #[arg(long, conflicts_with = "tls_on_connect")]
    starttls_optional: bool,
    /// Speak TLS from the first byte (port 465 on a real server).
    #[arg(long)]
    tls_on_connect: bool,
    /// Trust the certificate authorities in FILE (PEM), such as the one
    /// `smtpkit serve --tls self-signed` writes, instead of the system's.
    #[arg(long, value_name = "FILE")]
    ca: Option<PathBuf>,
    /// Authenticate with AUTH as this user, before MAIL.
    #[arg(long, value_name = "USER", requires = "auth_password")]
    auth_user: Option<String>,
    /// The password (or XOAUTH2 token) of --auth-user; better given in
    /// the environment than on a command line others can see.
    #[arg(long, value_name = "PASSWORD", env = "SMTPKIT_AUTH_PASSWORD", hide_env_values = true)]
    auth_password: Option<String>,
    /// The AUTH mechanism (PLAIN, LOGIN, CRAM-MD5 or XOAUTH2); by default
    /// the strongest both sides offer of CRAM-MD5, PLAIN and LOGIN.
    #[arg(long, value_name = "MECHANISM", requires = "auth_user")]
    auth_mech: Option<String>,
}

/// A step after which `--quit-after` stops.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Step {
    /// Right after the greeting.
    Connect,
    /// After EHLO.
    Ehlo,
    /// After MAIL.
    Mail,
    /// After RCPT.
    Rcpt,
}

/// Sends the message and prints the transcript.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let (envelope, message) = prepare(args)?;
    let ehlo = Host::new(&args.ehlo).map_err(|e| anyhow::anyhow!("--ehlo: {e}"))?.into_owned();
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let code = runtime.block_on(session(args, &envelope, &message, &ehlo));
    Ok(ExitCode::from(code))
}

/// The client's deadlines: the defaults, or all `--timeout`.
fn config(args: &Args) -> ClientConfig {
    let config = ClientConfig::default();
    match args.timeout.map(Duration::from_secs) {
        Some(timeout) => {
            ClientConfig { connect_timeout: timeout, ..config.with_step_timeouts(timeout) }
        }
        None => config,
    }
}

/// The envelope and the message bytes from the arguments.
fn prepare(args: &Args) -> anyhow::Result<(Envelope, Vec<u8>)> {
    let from: Mailbox = args.from.parse().map_err(|e| anyhow::anyhow!("--from: {e}"))?;
    let mut recipients = Vec::new();
    for to in &args.to {
        let mailbox: Mailbox = to.parse().map_err(|e| anyhow::anyhow!("--to {to:?}: {e}"))?;
        let path =
            mailbox.addr_spec().to_envelope().map_err(|e| anyhow::anyhow!("--to {to:?}: {e}"))?;
        recipients.push((mailbox, path));
    }
    let sender = from.addr_spec().to_envelope().map_err(|e| anyhow::anyhow!("--from: {e}"))?;

    let message = if let Some(path) = &args.data_file {
        if args.subject.is_some() || !args.header.is_empty() {
            bail!("--data-file sends the file as it is: --subject and --header cannot be added");
        }
        std::fs::read(path).with_context(|| format!("reading {}", path.display()))?
    } else {
        let text = match (&args.body, &args.body_file) {
            (Some(text), _) => text.clone(),
            (None, Some(path)) => std::fs::read_to_string(path)
                .with_context(|| format!("reading {}", path.display()))?,
            (None, None) => String::new(),
        };
        let mut builder = MessageBuilder::new().from(from).text(text);
        for (mailbox, _) in &recipients {
            builder = builder.to(mailbox.clone());
        }
        if let Some(subject) = &args.subject {
            // Encoding would make a control character harmless, but a
            // subject with one is a mistake or an attack, so it is refused.
            if let Some(at) = find_control(subject) {
                bail!("--subject: a control character at offset {at}");
            }
            builder = builder.subject(subject.clone());
        }
        for field in &args.header {
            let Some((name, value)) = field.split_once(':') else {
                bail!("--header {field:?}: expected `Name: value`");
            };
            let name = name.trim();
            if name.is_empty() || !name.bytes().all(|b| b.is_ascii_graphic()) {
                bail!("--header {field:?}: the name must be printable ASCII without spaces");
            }
            if let Some(at) = find_control(value) {
                bail!("--header {field:?}: a control character in the value at offset {at}");
            }
            builder = builder.header(name, value.trim());
        }
        builder.build().context("building the message")?
    };

    let envelope = Envelope {
        reverse_path: ReversePath::Mailbox(sender),
        parameters: Default::default(),
        recipients: recipients
            .into_iter()
            .map(|(_, path)| (ForwardPath::Mailbox(path), Default::default()))
            .collect(),
    };
    Ok((envelope, message))
}

/// Where `text` has a control character other than tab, which no header
/// field value may hold unencoded (RFC 5322 §2.2).
fn find_control(text: &str) -> Option<usize> {
    text.find(|c: char| c.is_control() && c != '\t')
}

/// How `--starttls`, `--starttls-optional` and `--tls-on-connect` ask to
/// secure the session, verifying the server by the host of `--server`.
fn tls_mode(args: &Args) -> anyhow::Result<Option<TlsMode>> {
    if !(args.starttls || args.starttls_optional || args.tls_on_connect) {
        if args.ca.is_some() {
            bail!("--ca needs --starttls, --starttls-optional or --tls-on-connect");
        }
        return Ok(None);
    }
    let tls = crate::tls::client_tls(&args.server, args.ca.as_deref())?;
    Ok(Some(if args.starttls {
        TlsMode::Required(tls)
    } else if args.starttls_optional {
        TlsMode::Opportunistic(tls)
    } else {
        TlsMode::Implicit(tls)
    }))
}

/// Runs the session and returns the exit status.
async fn session(args: &Args, envelope: &Envelope, message: &[u8], ehlo: &Host<'_>) -> u8 {
    let tls = match tls_mode(args) {
        Ok(tls) => tls,
        Err(error) => {
            eprintln!("smtpkit: error: {error:#}");
            return 1;
        }
    };
    if let Some(mode) = tls {
        // Connecting, greeting and the upgrade are one step here.
        let mut client = match Client::open(args.server.as_str(), config(args), ehlo, mode).await {
            Ok(client) => client,
            Err(error) => return failed(&error),
        };
        if let Some((version, suite)) = client.connection().tls_parameters() {
            eprintln!("smtpkit: TLS {version} {suite}");
        }
        return finish(&mut client, args, envelope, message, None).await;
    }
    let mut client = match Client::connect(args.server.as_str(), config(args)).await {
        Ok(client) => client,
        Err(error) => return failed(&error),
    };
    finish(&mut client, args, envelope, message, Some(ehlo)).await
}

/// Runs the steps on a connected client (greeting it with `ehlo` unless
/// that was done), says QUIT after a success, shows the transcript, and
/// returns the exit status.
async fn finish<S>(
    client: &mut Client<S>,
    args: &Args,
    envelope: &Envelope,
    message: &[u8],
    ehlo: Option<&Host<'_>>,
) -> u8
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let result = steps(client, args, envelope, message, ehlo).await;
    if result.is_ok() {
        // A failed QUIT after a delivered message changes nothing.
        let _ = client.quit().await;
    }
    print_transcript(client, args.json);
    match result {
        Ok(()) => 0,
        Err(error) => failed(&error),
    }
}

/// Says what went wrong and returns its exit status.
fn failed(error: &Error) -> u8 {
    eprintln!("smtpkit: error: {error}");
    exit_code(error)
}

/// The session's steps, stopping early for `--quit-after`.
async fn steps<S>(
    client: &mut Client<S>,
    args: &Args,
    envelope: &Envelope,
    message: &[u8],
    ehlo: Option<&Host<'_>>,
) -> Result<(), Error>
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    if let Some(ehlo) = ehlo {
        if args.quit_after == Some(Step::Connect) {
            return Ok(());
        }
        client.ehlo(ehlo).await?;
    }
    if let (Some(user), Some(password)) = (&args.auth_user, &args.auth_password) {
        let mechanism = match &args.auth_mech {
            Some(name) => {
                Some(Mechanism::new(name).map(Mechanism::into_owned).map_err(|_| {
                    Error::new(ErrorKind::Unsupported { extension: "AUTH mechanism" })
                })?)
            }
            None => None,
        };
        client.auth(&Credentials::new(user.as_str(), password.as_str()), mechanism).await?;
    }
    match args.quit_after {
        Some(Step::Ehlo) => Ok(()),
        Some(Step::Mail) => {
            client.mail_from(&envelope.reverse_path, &envelope.parameters).await.map(drop)
        }
        Some(Step::Rcpt) => {
            client.mail_from(&envelope.reverse_path, &envelope.parameters).await?;
            for (path, parameters) in &envelope.recipients {
                client.rcpt_to(path, parameters).await?;
            }
            Ok(())
        }
        Some(Step::Connect) | None => {
            let report = client.send(envelope, message).await?;
            for (path, reply) in &report.rejected {
                eprintln!("smtpkit: {path} rejected: {reply}");
            }
            Ok(())
        }
    }
}

/// The exit status for an error.
fn exit_code(error: &Error) -> u8 {
    match error.kind() {
        ErrorKind::Connect(_) | ErrorKind::Timeout { step: "connect" } => 2,
        ErrorKind::Rejected { step: "greeting" | "EHLO" | "HELO", .. } => 3,
        ErrorKind::Rejected { step: "AUTH", .. } => 15,
        ErrorKind::Unsupported { extension: "AUTH" | "AUTH mechanism" } => 15,
        ErrorKind::Rejected { step: "MAIL", .. } => 4,
        ErrorKind::Rejected { step: "RCPT", .. } | ErrorKind::AllRecipientsRejected { .. } => 5,
        ErrorKind::Rejected { step: "DATA" | "end of data", .. } => 6,
        ErrorKind::Protocol { .. } => 7,
        ErrorKind::OutcomeUnknown { .. } => 8,
        ErrorKind::Timeout { .. } => 9,
        ErrorKind::Closed { .. } => 10,
        ErrorKind::Io(_) => 11,
        ErrorKind::Unsupported { .. } => 12,
        ErrorKind::MessageTooLarge { .. } => 13,
        ErrorKind::Tls { .. } | ErrorKind::TlsNotOffered => 14,
        _ => 1,
    }
}

/// Prints the transcript with arrows, or as JSON lines.
fn print_transcript<S>(client: &Client<S>, json: bool)
where
    S: tokio::io::AsyncRead + tokio::io::AsyncWrite + Unpin,
{
    let transcript = client.transcript();
    if !json {
        print!("{}", transcript.render());
        return;
    }
    for (direction, tls, bytes) in transcript.entries_with_tls() {
        let direction = match direction {
            Direction::Sent => "sent",
            Direction::Received => "received",
        };
        for line in String::from_utf8_lossy(bytes).split_inclusive('\n') {
            let line = line.trim_end_matches(['\r', '\n']);
            println!("{}", json!({ "direction": direction, "line": line, "tls": tls }));
        }
    }
}
