//! `smtpkit talk`: the telnet session done right.
//!
//! Each line typed (or piped on standard input) is sent with CRLF. Before a
//! command goes out it is checked with the codec; a typo gets a hint (with
//! the known verb it is closest to, if any) and is not sent unless the line
//! starts with `!`. After DATA is answered 354, the lines are the message:
//! each is dot-stuffed, a line holding CR or NUL is refused, and a line
//! holding only `.` ends it. Every reply is shown with what its code means. On a terminal,
//! lines are edited with history.

use std::io::IsTerminal as _;
use std::time::Duration;

use anyhow::Context as _;
use smtpkit_client::{ClientTls, Connection};
use smtpkit_codec::{
    parse_command, parse_reply, Command, CommandOptions, Reply, ReplyOptions, Status,
};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio::sync::mpsc;

/// How long to wait for the reply to a command before taking the next line.
const REPLY_WAIT: Duration = Duration::from_secs(30);

/// The verbs a typo hint may suggest.
const VERBS: [&str; 14] = [
    "EHLO", "HELO", "MAIL", "RCPT", "DATA", "RSET", "NOOP", "QUIT", "VRFY", "EXPN", "HELP", "BDAT",
    "AUTH", "STARTTLS",
];

/// How many edits apart an unknown verb and a known one may be for the
/// hint to suggest the known one.
const TYPO_DISTANCE: usize = 2;

/// Arguments of `smtpkit talk`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The server, as HOST:PORT.
    #[arg(default_value = "127.0.0.1:2525")]
    server: String,
    /// When STARTTLS is answered 220, do the TLS handshake and go on over
    /// TLS (verifying the server by its host, against --ca or the
    /// system's authorities).
    #[arg(long)]
    starttls: bool,
    /// Trust the certificate authorities in FILE (PEM) for --starttls.
    #[arg(long, value_name = "FILE", requires = "starttls")]
    ca: Option<std::path::PathBuf>,
}

/// Talks to the server until QUIT, the end of input, or a closed
/// connection.
pub fn run(args: &Args) -> anyhow::Result<std::process::ExitCode> {
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    let tls = if args.starttls {
        Some(crate::tls::client_tls(&args.server, args.ca.as_deref())?)
    } else {
        None
    };
    runtime.block_on(talk(&args.server, tls.as_ref()))?;
    Ok(std::process::ExitCode::SUCCESS)
}

/// Where the conversation stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Mode {
    /// Lines are commands.
    Commands,
    /// Lines are the message, after a 354.
    Message,
}

async fn talk(server: &str, tls: Option<&ClientTls>) -> anyhow::Result<()> {
    let tcp =
        TcpStream::connect(server).await.with_context(|| format!("connecting to {server}"))?;
    let mut stream = Connection::Plain(tcp);
    println!("connected to {server}; type SMTP commands, `!` before a line sends it unchecked");
    let mut lines = input_lines();
    let mut buffer = Vec::new();
    let mut mode = Mode::Commands;

    // The greeting comes first.
    let Some(greeting) = read_reply(&mut stream, &mut buffer).await? else {
        println!("the server closed the connection");
        return Ok(());
    };
    show(&greeting);

    while let Some(line) = lines.recv().await {
        let starttls = mode == Mode::Commands && line.trim().eq_ignore_ascii_case("STARTTLS");
        if mode == Mode::Message {
            if let Some(at) = line.find(['\r', '\0']) {
                // A CR would make a bare line ending and a NUL has no place
                // in mail (RFC 5321 §2.3.8, RFC 5322 §2.1), so neither is sent.
                println!("hint: CR or NUL at offset {at}; this line of the message is not sent");
                continue;
            }
            if line == "." {
                stream.write_all(b".\r\n").await?;
                mode = Mode::Commands;
            } else {
                // A line starting with a dot gets a second one, so that the
                // server does not take it for the end (RFC 5321 §4.5.2).
                let stuffed = if line.starts_with('.') {
                    format!(".{line}\r\n")
                } else {
                    format!("{line}\r\n")
                };
                stream.write_all(stuffed.as_bytes()).await?;
                continue;
            }
        } else {
            if starttls && (tls.is_none() || stream.is_tls()) {
                let why = if stream.is_tls() { "TLS is on already" } else { "it needs --starttls" };
                println!("hint: STARTTLS is not sent: {why}");
                continue;
            }
            let Some(bytes) = checked(&line) else { continue };
            stream.write_all(&bytes).await?;
        }

        let reply =
            match tokio::time::timeout(REPLY_WAIT, read_reply(&mut stream, &mut buffer)).await {
                Ok(reply) => reply?,
                Err(_) => {
                    println!("(no reply within {} seconds)", REPLY_WAIT.as_secs());
                    continue;
                }
            };
        let Some(reply) = reply else {
            println!("the server closed the connection");
            return Ok(());
        };
        show(&reply);
        if reply.code().get() == 354 {
            mode = Mode::Message;
        }
        if let (Some(tls), 220, true) = (tls, reply.code().get(), starttls) {
            if !buffer.is_empty() {
                // Bytes before the handshake would pass for replies over
                // TLS: a server injecting them is not trusted further.
                anyhow::bail!("the server sent more after its 220 to STARTTLS; not going on");
            }
            let Connection::Plain(tcp) = stream else { anyhow::bail!("TLS is on already") };
            let upgraded = tls.handshake(tcp).await.context("the TLS handshake failed")?;
            stream = Connection::Tls(Box::new(upgraded));
            if let Some((version, suite)) = stream.tls_parameters() {
                println!("TLS is on ({version}, {suite}); greet the server again with EHLO");
            }
        }
        if reply.code().get() == 221 {
            return Ok(());
        }
    }
    Ok(())
}

/// The bytes to send for a command line, or `None` after printing why not.
fn checked(line: &str) -> Option<Vec<u8>> {
    if let Some(forced) = line.strip_prefix('!') {
        if forced.contains('\0') {
            println!("hint: NUL cannot be sent in a command line");
            return None;
        }
        return Some(format!("{forced}\r\n").into_bytes());
    }
    let bytes = format!("{line}\r\n").into_bytes();
    let parsed =
        parse_command(&bytes, &CommandOptions::default()).map(|s| s.map(Command::into_owned));
    match parsed {
        Ok(Status::Complete { value: Command::Unknown { verb, .. }, .. }) => {
            let verb = verb.as_str();
            println!("hint: {verb} is not an SMTP command; `!{line}` sends it anyway");
            if let Some(known) = closest_verb(verb) {
                let rest = line.trim_start().get(verb.len()..).unwrap_or_default();
                println!("      did you mean {known}{rest}?");
            }
            None
        }
        Ok(Status::Complete { .. }) => Some(bytes),
        Ok(Status::Incomplete) => None,
        Err(error) => {
            let (code, enhanced) = error.server_reply();
            println!("hint: {}", error.render(&bytes).replace('\n', "\n      "));
            println!("      a server would answer {code} {enhanced}; `!{line}` sends it anyway");
            None
        }
    }
}

/// The known verb nearest to an unknown one, if it is at most
/// [`TYPO_DISTANCE`] edits away.
fn closest_verb(verb: &str) -> Option<&'static str> {
    let verb = verb.to_ascii_uppercase();
    VERBS
        .iter()
        .map(|known| (edit_distance(&verb, known), *known))
        .filter(|(distance, _)| *distance <= TYPO_DISTANCE)
        .min_by_key(|(distance, _)| *distance)
        .map(|(_, known)| known)
}

/// The Levenshtein distance: how many insertions, deletions and
/// substitutions of one character turn `a` into `b`.
fn edit_distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut previous: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut current = vec![i + 1];
        for (j, cb) in b.iter().enumerate() {
            let substitution = previous[j] + usize::from(ca != *cb);
            current.push(substitution.min(previous[j + 1] + 1).min(current[j] + 1));
        }
        previous = current;
    }
    previous[b.len()]
}

/// Reads one whole reply, or `None` when the connection closes first.
async fn read_reply(
    stream: &mut Connection,
    buffer: &mut Vec<u8>,
) -> anyhow::Result<Option<Reply<'static>>> {
    let mut chunk = [0u8; 4096];
    loop {
        let parsed =
            parse_reply(buffer, &ReplyOptions::default()).map(|s| s.map(Reply::into_owned));
        match parsed {
            Ok(Status::Complete { value, consumed }) => {
                buffer.drain(..consumed);
                return Ok(Some(value));
            }
            Ok(Status::Incomplete) => {}
            Err(error) => anyhow::bail!("the server sent a malformed reply: {error}"),
        }
        let n = stream.read(&mut chunk).await?;
        if n == 0 {
            return Ok(None);
        }
        buffer.extend_from_slice(&chunk[..n]);
    }
}

/// Prints a reply with what its code means.
fn show(reply: &Reply<'_>) {
    let bytes = reply.to_bytes();
    for line in String::from_utf8_lossy(&bytes).lines() {
        println!("<- {line}");
    }
    println!("   ({})", meaning(reply.code().get()));
}

/// What a reply code means, in a line.
fn meaning(code: u16) -> &'static str {
    match code {
        211 | 214 => "information or help",
        220 => "the server is ready; greet it with EHLO your.name",
        221 => "the server closes the connection",
        235 => "authenticated",
        250 => "done",
        251 | 252 => "accepted, though the mailbox could not be verified",
        334 => "the server waits for authentication data",
        354 => "send the message, then end it with a line holding only \".\"",
        421 => "the server is closing the connection; try again later",
        450..=452 => "not done this time; the same command may work later",
        500 => "the server did not understand the command, or the line was too long",
        501 => "the command's arguments are wrong",
        502 => "the server does not implement this command",
        503 => "the command is out of order: EHLO, MAIL, RCPT, DATA",
        504 => "the server does not implement this parameter",
        530 | 535 | 538 => "authentication is needed or failed",
        550 | 551 | 553 => "refused: the mailbox is unavailable or not allowed",
        552 => "refused: the message is too large or storage is exceeded",
        554 => "the transaction failed",
        555 => "the MAIL or RCPT parameters are not recognized",
        c if c < 400 => "positive",
        c if c < 500 => "a transient failure",
        _ => "a permanent failure",
    }
}

/// Lines from standard input, read on their own thread: with line editing
/// and history on a terminal, plainly otherwise.
fn input_lines() -> mpsc::Receiver<String> {
    let (sender, receiver) = mpsc::channel(64);
    std::thread::spawn(move || {
        if std::io::stdin().is_terminal() {
            let Ok(mut editor) = rustyline::DefaultEditor::new() else { return };
            while let Ok(line) = editor.readline("") {
                let _ = editor.add_history_entry(line.as_str());
                if sender.blocking_send(line).is_err() {
                    return;
                }
            }
        } else {
            for line in std::io::stdin().lines() {
                let Ok(line) = line else { return };
                if sender.blocking_send(line).is_err() {
                    return;
                }
            }
        }
    });
    receiver
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_unknown_verb_within_two_edits_gets_the_known_one() {
        let cases = [
            ("MIAL", Some("MAIL")),
            ("mial", Some("MAIL")),
            ("RCTP", Some("RCPT")),
            ("EHL", Some("EHLO")),
            ("QUITT", Some("QUIT")),
            ("STARTLS", Some("STARTTLS")),
            ("FROB", None),
            ("XYZZY", None),
        ];
        for (verb, expected) in cases {
            assert_eq!(closest_verb(verb), expected, "{verb}");
        }
    }

    #[test]
    fn the_edit_distance_counts_insertions_deletions_and_substitutions() {
        let cases = [("", "", 0), ("MAIL", "MAIL", 0), ("MAL", "MAIL", 1), ("MIAL", "MAIL", 2)];
        for (a, b, expected) in cases {
            assert_eq!(edit_distance(a, b), expected, "{a} {b}");
        }
    }
}
