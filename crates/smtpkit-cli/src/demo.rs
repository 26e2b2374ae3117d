//! `smtpkit demo`: the classic lesson in one command. A mock server starts
//! in this process; the plain message goes to it, then the same message
//! with `Subject:` and `From:` fields; then the recipient's mailbox is
//! shown with its fields read through the codec's typed accessors (From as
//! display name and address, Subject decoded, Date) and each body's text.

use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context as _;
use smtpkit_client::{Client, ClientConfig, Envelope};
use smtpkit_codec::{ForwardPath, HeaderSection, Host, MessageBuilder, ReversePath};
use smtpkit_mock::MockServer;

/// The lesson's sender.
const FROM: &str = "hoge@example.net";
/// The lesson's recipient.
const TO: &str = "fuga@example.net";
/// The lesson's message text.
const TEXT: &str = "Hello, this is HAL-9000.\r\nI can sing songs.\r\n";
/// The sender as the From field names it.
const FROM_FIELD: &str = "HAL 9000 <hoge@example.net>";
/// The subject; its non-ASCII note travels as an encoded word (RFC 2047).
const SUBJECT: &str = "Greetings from HAL \u{266a}";

/// Arguments of `smtpkit demo`.
#[derive(Debug, clap::Args)]
pub struct Args {}

/// Runs the lesson.
pub fn run(_args: &Args) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(demo())?;
    Ok(ExitCode::SUCCESS)
}

async fn demo() -> anyhow::Result<()> {
    let server = MockServer::start().await.context("starting the mock server")?;
    let addr = server.addr();
    println!("A mock mail server listens on {addr}.\n");

    println!("1. The message as typed into telnet: no header fields, just text.\n");
    let plain = format!("\r\n{TEXT}");
    send(addr, plain.as_bytes()).await?;

    println!("\n2. The same message with From: and Subject: fields, as mail programs write it.\n");
    let from = FROM_FIELD.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let to: smtpkit_codec::field::address::Mailbox =
        TO.parse().map_err(|e| anyhow::anyhow!("{e}"))?;
    let message = MessageBuilder::new()
        .from(from)
        .to(to)
        .subject(SUBJECT)
        .text(TEXT)
        .build()
        .context("building the message")?;
    send(addr, &message).await?;

    let mailbox = server
        .wait_for(2, Duration::from_secs(5), |m| m.is_for(TO))
        .await
        .context("waiting for both messages")?;
    println!("\n3. The mailbox of {TO} holds {} messages:\n", mailbox.len());
    for stored in &mailbox {
        println!("message #{} from {}", stored.id, stored.message.envelope.reverse_path);
        match stored.message.header_section() {
            Ok((section, body)) if !section.is_empty() => {
                show_fields(&section);
                show_body(body);
            }
            Ok((_, body)) => {
                println!("  no header fields; the text is the body");
                show_body(body);
            }
            Err(error) => println!("  the header section does not parse: {error}"),
        }
    }
    server.shutdown().await;
    Ok(())
}

/// Prints From, Subject and Date as the codec reads them.
fn show_fields(section: &HeaderSection<'_>) {
    match section.from() {
        Some(Ok(list)) => {
            for mailbox in list.mailboxes() {
                let name = mailbox.display_name().unwrap_or("(no display name)");
                println!("  From:    {name}, address {}", mailbox.addr_spec());
            }
        }
        Some(Err(error)) => println!("  From:    does not parse: {error}"),
        None => println!("  From:    (none)"),
    }
    match section.subject() {
        Some(subject) => println!("  Subject: {subject}"),
        None => println!("  Subject: (none)"),
    }
    match section.date() {
        Some(Ok(date)) => println!("  Date:    {}", date.to_rfc3339()),
        Some(Err(error)) => println!("  Date:    does not parse: {error}"),
        None => println!("  Date:    (none)"),
    }
}

/// Prints the body's text, each line indented.
fn show_body(body: &[u8]) {
    println!("  Body:");
    for line in String::from_utf8_lossy(body).lines() {
        println!("    {line}");
    }
}

/// Sends one message from the lesson's sender to its recipient, printing
/// the conversation.
async fn send(addr: std::net::SocketAddr, message: &[u8]) -> anyhow::Result<()> {
    let mut client = Client::connect(addr, ClientConfig::default()).await?;
    client.ehlo(&Host::new("client.example").map_err(|e| anyhow::anyhow!("{e}"))?).await?;
    let envelope = Envelope {
        reverse_path: ReversePath::Mailbox(FROM.parse().map_err(|e| anyhow::anyhow!("{e}"))?),
        parameters: Default::default(),
        recipients: vec![(
            ForwardPath::Mailbox(TO.parse().map_err(|e| anyhow::anyhow!("{e}"))?),
            Default::default(),
        )],
    };
    client.send(&envelope, message).await?;
    client.quit().await?;
    print!("{}", client.transcript().render());
    Ok(())
}
