//! The client against scripted servers over real TCP on 127.0.0.1: each
//! server sends chosen bytes, well-behaved or hostile, and the client must
//! give the right result or error, never hang or panic.

mod common;

use std::time::Duration;

use smtpkit_client::{Client, ClientConfig, Envelope, ErrorKind, ProtocolViolation};
use smtpkit_codec::{ForwardPath, Host, ReversePath};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::task::JoinHandle;

/// How a scripted server answers one command line.
type Script = fn(&str) -> &'static [u8];

/// An answer that means: say nothing, but keep reading.
const SILENT: &[u8] = b"(silent)";

/// Starts a server that sends `greeting`, then answers each command line
/// with `script`, reads a message after a 354 up to its end, and stops at
/// QUIT or when the client goes. Returns its address and, when it ends,
/// every byte it read.
async fn server(greeting: &'static [u8], script: Script) -> (String, JoinHandle<Vec<u8>>) {
    serve(greeting, script, false).await
}

/// As [`server`], but every reply goes out one byte per write.
async fn trickling_server(
    greeting: &'static [u8],
    script: Script,
) -> (String, JoinHandle<Vec<u8>>) {
    serve(greeting, script, true).await
}

async fn serve(
    greeting: &'static [u8],
    script: Script,
    trickle: bool,
) -> (String, JoinHandle<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
    let addr = listener.local_addr().expect("bound").to_string();
    let handle = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.expect("the client connects");
        if send(&mut stream, greeting, trickle).await.is_err() {
            return Vec::new();
        }
        let mut seen = Vec::new();
        let mut pending = Vec::new();
        let mut in_data = false;
        let mut chunk = [0u8; 4096];
        loop {
            if in_data {
                if let Some(end) = find(&pending, b"\r\n.\r\n") {
                    pending.drain(..end + 5);
                    in_data = false;
                    let reply = script(".");
                    if reply.is_empty() {
                        return seen;
                    }
                    if reply != SILENT {
                        let _ = send(&mut stream, reply, trickle).await;
                    }
                    continue;
                }
            } else if let Some(lf) = pending.iter().position(|&b| b == b'\n') {
                let line: Vec<u8> = pending.drain(..=lf).collect();
                let line = String::from_utf8_lossy(&line).trim_end().to_owned();
                let reply = script(&line);
                if reply.starts_with(b"354") {
                    in_data = true;
                }
                if reply == SILENT {
                    continue;
                }
                if send(&mut stream, reply, trickle).await.is_err()
                    || line.eq_ignore_ascii_case("QUIT")
                {
                    return seen;
                }
                if reply.is_empty() {
                    // An empty answer means: drop the connection.
                    return seen;
                }
                continue;
            }
            match stream.read(&mut chunk).await {
                Ok(0) | Err(_) => return seen,
                Ok(n) => {
                    seen.extend_from_slice(&chunk[..n]);
                    pending.extend_from_slice(&chunk[..n]);
                }
            }
        }
    });
    (addr, handle)
}

/// Starts a server that hands its one connection to `session`, and
/// returns the client's end of it and the server's task.
async fn server_with<T, F>(
    session: impl FnOnce(TcpStream) -> F + Send + 'static,
) -> (TcpStream, JoinHandle<T>)
where
    F: std::future::Future<Output = T> + Send + 'static,
    T: Send + 'static,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("port");
    let addr = listener.local_addr().expect("bound");
    let handle = tokio::spawn(async move {
        let (stream, _) = listener.accept().await.expect("connects");
        session(stream).await
    });
    let stream = TcpStream::connect(addr).await.expect("connects");
    (stream, handle)
}

/// Writes `bytes` whole, or one byte per write with a pause between.
async fn send(stream: &mut TcpStream, bytes: &[u8], trickle: bool) -> std::io::Result<()> {
    if !trickle {
        return stream.write_all(bytes).await;
    }
    for byte in bytes {
        stream.write_all(std::slice::from_ref(byte)).await?;
        stream.flush().await?;
        tokio::time::sleep(Duration::from_millis(1)).await;
    }
    Ok(())
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

/// Deadlines short enough that a silent server fails a test quickly.
fn config() -> ClientConfig {
    ClientConfig::default().with_step_timeouts(Duration::from_millis(500))
}

fn envelope(recipients: &[&str]) -> Envelope {
    common::envelope("alice@example.org", recipients)
}

fn host() -> Host<'static> {
    Host::new("client.example").expect("valid").into_owned()
}

/// A server that offers PIPELINING and SIZE and accepts everything but
/// `nobody@…`.
fn accepting(line: &str) -> &'static [u8] {
    let upper = line.to_ascii_uppercase();
    if upper.starts_with("EHLO") {
        b"250-mx.example\r\n250-PIPELINING\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"
    } else if upper.starts_with("RCPT") && upper.contains("NOBODY@") {
        b"550 5.1.1 no such user\r\n"
    } else if upper == "DATA" {
        b"354 go ahead\r\n"
    } else if upper == "QUIT" {
        b"221 bye\r\n"
    } else {
        b"250 ok\r\n"
    }
}

#[tokio::test]
async fn a_pipelining_server_gets_mail_rcpt_and_data_in_one_batch() {
    let (addr, server) = server(b"220 mx.example ready\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    assert!(client.ehlo(&host()).await.expect("greets").supports_pipelining());
    let report = client
        .send(&envelope(&["bob@example.net", "nobody@example.net"]), b"Subject: hi\r\n\r\n.dot\r\n")
        .await
        .expect("sent");
    assert_eq!(report.accepted.len(), 1);
    assert_eq!(report.rejected.len(), 1);
    assert_eq!(report.rejected[0].1.code().get(), 550);
    client.quit().await.expect("221");

    let seen = String::from_utf8(server.await.expect("server ends")).expect("ASCII");
    assert!(
        seen.contains(
            "MAIL FROM:<alice@example.org> SIZE=21\r\nRCPT TO:<bob@example.net>\r\n\
             RCPT TO:<nobody@example.net>\r\nDATA\r\n"
        ),
        "{seen}"
    );
    assert!(seen.contains("\r\n..dot\r\n.\r\n"), "dot-stuffed: {seen}");
}

#[tokio::test]
async fn a_message_over_the_servers_size_is_refused_before_sending() {
    let (addr, _server) = server(b"220 mx\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = client.send(&envelope(&["bob@example.net"]), &[b'x'; 2000]).await.expect_err("big");
    // The line ending the client adds counts (RFC 1870 §3).
    assert!(matches!(error.kind(), ErrorKind::MessageTooLarge { size: 2002, limit: 1000 }));
    assert!(error.is_permanent());
}

#[tokio::test]
async fn the_size_limit_applies_to_the_message_as_transmitted() {
    let (addr, server) = server(b"220 mx\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");

    // 999 octets with a bare LF are 1000 on the wire with CRLF: just fits.
    let mut fits = vec![b'x'; 998];
    fits.push(b'\n');
    client.send(&envelope(&["bob@example.net"]), &fits).await.expect("at the limit");

    // 1000 octets with a bare LF are 1001 on the wire: one over.
    let mut over = vec![b'x'; 999];
    over.push(b'\n');
    let error = client.send(&envelope(&["bob@example.net"]), &over).await.expect_err("over");
    assert!(matches!(error.kind(), ErrorKind::MessageTooLarge { size: 1001, limit: 1000 }));

    // A stuffed dot is not counted: 1000 octets with a leading dot fit.
    let mut dotted = vec![b'.'];
    dotted.extend_from_slice(&[b'x'; 997]);
    dotted.extend_from_slice(b"\r\n");
    client.send(&envelope(&["bob@example.net"]), &dotted).await.expect("dot not counted");
    client.quit().await.expect("221");

    let seen = String::from_utf8(server.await.expect("ends")).expect("ASCII");
    assert_eq!(seen.matches("SIZE=1000\r\n").count(), 2, "{seen}");
}

#[tokio::test]
async fn an_8bit_body_without_a_header_section_needs_no_smtputf8() {
    let (addr, server) = server(b"220 mx\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    for message in
        [&b"\r\nGr\xc3\xbc\xc3\x9fe\r\n"[..], b"\nGr\xc3\xbc\xc3\x9fe\n", b"S: a\n\n\xc3\xa9\n"]
    {
        client.send(&envelope(&["bob@example.net"]), message).await.expect("8BITMIME is enough");
    }
    let error = client
        .send(&envelope(&["bob@example.net"]), b"Subject: \xc3\xa9\n\nhi\n")
        .await
        .expect_err("an 8-bit header field needs SMTPUTF8");
    assert!(matches!(error.kind(), ErrorKind::Unsupported { extension: "SMTPUTF8" }));
    client.quit().await.expect("221");

    let seen = String::from_utf8_lossy(&server.await.expect("ends")).into_owned();
    assert_eq!(seen.matches("BODY=8BITMIME\r\n").count(), 3, "{seen}");
    assert!(!seen.contains("SMTPUTF8"), "{seen}");
}

#[tokio::test]
async fn utf8_addresses_need_smtputf8() {
    let (addr, _server) = server(b"220 mx\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = client.send(&envelope(&["jörg@example.net"]), b"\r\nhi\r\n").await.expect_err("no");
    assert!(matches!(error.kind(), ErrorKind::Unsupported { extension: "SMTPUTF8" }));
}

#[tokio::test]
async fn all_recipients_refused_sends_no_message_and_resets() {
    fn script(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "EHLO" => b"250 mx.example\r\n",
            "RCPT" => b"450 4.2.1 try later\r\n",
            "QUIT" => b"221 bye\r\n",
            _ => b"250 ok\r\n",
        }
    }
    let (addr, server) = server(b"220 mx\r\n", script).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = client.send(&envelope(&["a@example.net", "b@example.net"]), b"x\r\n").await;
    let error = error.expect_err("all refused");
    assert!(
        matches!(error.kind(), ErrorKind::AllRecipientsRejected { replies } if replies.len() == 2)
    );
    assert!(error.is_transient());
    client.quit().await.expect("the session is still usable");
    let seen = String::from_utf8(server.await.expect("ends")).expect("ASCII");
    assert!(!seen.contains("DATA"), "{seen}");
    assert!(seen.contains("RSET\r\n"), "{seen}");
}

#[tokio::test]
async fn ehlo_falls_back_to_helo_on_502_or_500() {
    let scripts: [(Script, &str); 2] = [
        (
            |line| match line.get(..4).unwrap_or(line) {
                "EHLO" => b"502 5.5.1 not implemented\r\n",
                "HELO" => b"250 old.example\r\n",
                _ => b"250 ok\r\n",
            },
            "502",
        ),
        (
            |line| match line.get(..4).unwrap_or(line) {
                "EHLO" => b"500 5.5.2 what?\r\n",
                "HELO" => b"250 old.example\r\n",
                _ => b"250 ok\r\n",
            },
            "500",
        ),
    ];
    for (script, code) in scripts {
        let (addr, server) = server(b"220 old.example\r\n", script).await;
        let mut client = Client::connect(&addr, config()).await.expect("connects");
        let capabilities = client.ehlo(&host()).await.expect("HELO works");
        assert!(!capabilities.supports_pipelining(), "{code}");
        assert_eq!(capabilities.domain(), "old.example", "{code}");
        drop(client);
        let seen = String::from_utf8(server.await.expect("ends")).expect("ASCII");
        assert_eq!(seen, "EHLO client.example\r\nHELO client.example\r\n", "{code}");
    }
}

#[tokio::test]
async fn a_greeting_split_at_every_byte_still_parses() {
    let (stream, _server) = server_with(|mut stream| async move {
        for byte in b"220-mx.example\r\n220 ready\r\n" {
            stream.write_all(&[*byte]).await.expect("written");
            stream.flush().await.expect("flushed");
            tokio::time::sleep(Duration::from_millis(1)).await;
        }
        tokio::time::sleep(Duration::from_secs(1)).await;
    })
    .await;
    assert!(Client::from_stream(stream, config()).await.is_ok());
}

#[tokio::test]
async fn hostile_replies_give_errors_not_hangs() {
    type Expected = fn(&ErrorKind) -> bool;
    let cases: [(&'static [u8], Expected); 5] = [
        (b"220-a\r\n250 b\r\n", |k| matches!(k, ErrorKind::Protocol { .. })),
        (b"554 no service\r\n", |k| matches!(k, ErrorKind::Rejected { step: "greeting", .. })),
        (b"220 never ends", |k| matches!(k, ErrorKind::Timeout { step: "greeting" })),
        (b"", |k| matches!(k, ErrorKind::Closed { .. } | ErrorKind::Timeout { .. })),
        (b"hello\r\n", |k| matches!(k, ErrorKind::Protocol { .. })),
    ];
    for (greeting, expected) in cases {
        let (addr, _server) = server(greeting, |_| b"").await;
        let error = Client::connect(&addr, config()).await.expect_err("no session");
        assert!(expected(error.kind()), "{greeting:?}: {error:?}");
    }

    let mut long = b"220-".to_vec();
    long.extend(std::iter::repeat_n(b'x', 600));
    let leaked: &'static [u8] = Box::leak(long.into_boxed_slice());
    let (addr, _server) = server(leaked, |_| b"").await;
    let error = Client::connect(&addr, config()).await.expect_err("overlong");
    assert!(
        matches!(error.kind(), ErrorKind::Protocol { detail: ProtocolViolation::MalformedReply(e) } if e.is_line_too_long())
    );
}

#[tokio::test]
async fn a_reply_during_data_is_a_protocol_error() {
    fn script(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "EHLO" => b"250 mx\r\n",
            "DATA" => b"354 go\r\n250 2.0.0 already taken\r\n",
            _ => b"250 ok\r\n",
        }
    }
    let (addr, _server) = server(b"220 mx\r\n", script).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = client.send(&envelope(&["b@example.net"]), b"hi\r\n").await.expect_err("early 250");
    assert!(matches!(
        error.kind(),
        ErrorKind::Protocol { detail: ProtocolViolation::ReplyDuringData }
    ));

    // The server may still be reading the message, where a command would
    // be taken as text: the session refuses to go on.
    let sent = client.transcript().render().len();
    let error = client.rset().await.expect_err("a broken session");
    assert!(matches!(error.kind(), ErrorKind::Broken { step: "message" }), "{error}");
    assert!(client.quit().await.is_err());
    assert_eq!(client.transcript().render().len(), sent, "nothing more was written");
}

#[tokio::test]
async fn a_reply_right_after_354_to_a_small_message_is_a_protocol_error() {
    let (stream, server) = server_with(|stream| async move {
        let (reader, mut writer) = stream.into_split();
        let mut lines = tokio::io::BufReader::new(reader);
        writer.write_all(b"220 mx\r\n").await.expect("greeting");
        let mut seen = String::new();
        loop {
            let mut line = String::new();
            if tokio::io::AsyncBufReadExt::read_line(&mut lines, &mut line).await.unwrap_or(0) == 0
            {
                return seen;
            }
            seen.push_str(&line);
            match line.get(..4).unwrap_or(&line) {
                "EHLO" => writer.write_all(b"250 mx\r\n").await.expect("ehlo"),
                "DATA" => {
                    // The 354 and an unasked-for 250 in two writes.
                    writer.write_all(b"354 go\r\n").await.expect("354");
                    writer.flush().await.expect("flushed");
                    tokio::task::yield_now().await;
                    writer.write_all(b"250 2.0.0 already taken\r\n").await.expect("250");
                }
                _ => writer.write_all(b"250 ok\r\n").await.expect("reply"),
            }
        }
    })
    .await;
    let mut client = Client::from_stream(stream, config()).await.expect("greeting");
    client.ehlo(&host()).await.expect("greets");
    let error = client.send(&envelope(&["b@example.net"]), b"hi\r\n").await.expect_err("early");
    assert!(
        matches!(error.kind(), ErrorKind::Protocol { detail: ProtocolViolation::ReplyDuringData }),
        "{error:?}"
    );
    drop(client);
    let seen = server.await.expect("ends");
    assert!(!seen.contains("\r\n.\r\n"), "the end of data was not sent: {seen}");
}

#[tokio::test]
async fn a_connection_lost_after_the_final_dot_is_outcome_unknown() {
    fn script(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "EHLO" => b"250 mx\r\n",
            "DATA" => b"354 go\r\n",
            // The end of data: drop the connection without a reply.
            "." => b"",
            _ => b"250 ok\r\n",
        }
    }
    let (addr, _server) = server(b"220 mx\r\n", script).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = client.send(&envelope(&["b@example.net"]), b"hi\r\n").await.expect_err("lost");
    assert!(error.is_outcome_unknown(), "{error:?}");
}

#[tokio::test]
async fn a_message_streams_from_a_reader() {
    let (addr, server) = server(b"220 mx\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    client.mail_from(&ReversePath::Null, &Default::default()).await.expect("MAIL");
    let to = ForwardPath::Mailbox("bob@example.net".parse().expect("valid"));
    client.rcpt_to(&to, &Default::default()).await.expect("RCPT");
    // Bare LF line endings and a leading dot, without a final line ending.
    let body: &[u8] = b"line one\n.dot\nlast";
    client.data_from_reader(body).await.expect("accepted");
    client.quit().await.expect("221");
    let seen = String::from_utf8(server.await.expect("ends")).expect("ASCII");
    assert!(seen.ends_with("DATA\r\nline one\r\n..dot\r\nlast\r\n.\r\nQUIT\r\n"), "{seen}");
}

#[tokio::test]
async fn bdat_needs_chunking_and_sends_exact_octets() {
    let (addr, _server) = server(b"220 mx\r\n", accepting).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = client.bdat(b"x").await.expect_err("no CHUNKING offered");
    assert!(matches!(error.kind(), ErrorKind::Unsupported { extension: "CHUNKING" }));

    // A server that offers CHUNKING and reads each chunk by its size.
    let (stream, chunked) = server_with(|mut stream| async move {
        stream.write_all(b"220 mx\r\n").await.expect("greeting");
        let mut seen = Vec::new();
        let mut chunk = [0u8; 1024];
        while !String::from_utf8_lossy(&seen).contains("EHLO") {
            let n = stream.read(&mut chunk).await.expect("reads");
            seen.extend_from_slice(&chunk[..n]);
        }
        stream.write_all(b"250-mx\r\n250 CHUNKING\r\n").await.expect("ehlo reply");
        seen.clear();
        let expected = b"BDAT 13 LAST\r\n\r\n.\r\nQUIT\0\xff\r\n";
        while seen.len() < expected.len() {
            let n = stream.read(&mut chunk).await.expect("reads");
            seen.extend_from_slice(&chunk[..n]);
        }
        stream.write_all(b"250 2.6.0 got it\r\n").await.expect("reply");
        seen
    })
    .await;
    let mut client = Client::from_stream(stream, config()).await.expect("greeting");
    client.ehlo(&host()).await.expect("greets");
    let reply = client.bdat(b"\r\n.\r\nQUIT\0\xff\r\n").await.expect("accepted");
    assert_eq!(reply.code().get(), 250);
    assert_eq!(chunked.await.expect("ends"), b"BDAT 13 LAST\r\n\r\n.\r\nQUIT\0\xff\r\n");
}

/// As [`accepting`], without PIPELINING: every command waits for its reply.
fn plain(line: &str) -> &'static [u8] {
    if line.to_ascii_uppercase().starts_with("EHLO") {
        b"250-mx.example\r\n250-SIZE 1000\r\n250 8BITMIME\r\n"
    } else {
        accepting(line)
    }
}

/// Runs `future` under a deadline well past the client's own, so that a
/// hang fails the test instead of stalling it.
async fn bounded<T>(future: impl std::future::Future<Output = T>) -> T {
    tokio::time::timeout(Duration::from_secs(10), future).await.expect("no hang")
}

#[tokio::test]
async fn replies_split_at_every_byte_still_parse_at_every_step() {
    for script in [accepting as Script, plain] {
        let (addr, server) = trickling_server(b"220-mx.example\r\n220 ready\r\n", script).await;
        let mut client = Client::connect(&addr, config()).await.expect("connects");
        client.ehlo(&host()).await.expect("a trickled EHLO reply");
        let recipients = ["bob@example.net", "nobody@example.net"];
        let report = client.send(&envelope(&recipients), b"Subject: hi\r\n\r\nhi\r\n").await;
        let report = report.expect("trickled MAIL, RCPT, DATA and end-of-data replies");
        assert_eq!(report.accepted.len(), 1);
        assert_eq!(report.rejected[0].1.code().get(), 550);
        assert_eq!(report.reply.code().get(), 250);
        client.rset().await.expect("a trickled RSET reply");
        client.quit().await.expect("a trickled QUIT reply");
        let seen = String::from_utf8(server.await.expect("ends")).expect("ASCII");
        assert!(seen.ends_with("\r\n.\r\nRSET\r\nQUIT\r\n"), "{seen}");
    }
}

#[tokio::test]
async fn a_multiline_ehlo_reply_with_mixed_codes_is_a_protocol_error() {
    fn script(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "EHLO" => b"250-mx.example\r\n251-PIPELINING\r\n250 SIZE 1000\r\n",
            _ => b"250 ok\r\n",
        }
    }
    let (addr, _server) = server(b"220 mx\r\n", script).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    let error = bounded(client.ehlo(&host())).await.expect_err("mixed codes");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Protocol { detail: ProtocolViolation::MalformedReply(_) }
        ),
        "{error:?}"
    );
}

#[tokio::test]
async fn replies_over_the_line_count_or_size_limits_are_protocol_errors() {
    fn script(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "EHLO" => b"250-a\r\n250-b\r\n250-c\r\n250-d\r\n250-e\r\n250 f\r\n",
            "HELO" => {
                b"250-0123456789012345678901234567890123456789\r\n\
                  250-0123456789012345678901234567890123456789\r\n\
                  250 0123456789012345678901234567890123456789\r\n"
            }
            _ => b"250 ok\r\n",
        }
    }
    let mut limited = config();
    limited.reply_options.max_lines = 4;
    limited.reply_options.size_limit = 100;

    let (addr, _server) = server(b"220 mx\r\n", script).await;
    let mut client = Client::connect(&addr, limited.clone()).await.expect("connects");
    let error = bounded(client.ehlo(&host())).await.expect_err("six lines, four allowed");
    assert!(matches!(error.kind(), ErrorKind::Protocol { .. }), "{error:?}");

    // HELO only through the client's fallback; a 502 to EHLO leads there.
    fn fallback(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "EHLO" => b"502 5.5.1 no\r\n",
            other => script(other),
        }
    }
    let (addr, _server) = server(b"220 mx\r\n", fallback).await;
    let mut client = Client::connect(&addr, limited).await.expect("connects");
    let error = bounded(client.ehlo(&host())).await.expect_err("138 octets, 100 allowed");
    assert!(matches!(error.kind(), ErrorKind::Protocol { .. }), "{error:?}");
}

#[tokio::test]
async fn a_server_streaming_continuation_lines_forever_is_cut_off() {
    for line in [&b"250-x\r\n"[..], b"x"] {
        let (stream, _server) = server_with(move |mut stream| async move {
            let mut greeting = b"220-".to_vec();
            greeting.extend_from_slice(line);
            stream.write_all(&greeting).await.expect("greeting");
            // Until the client goes away.
            while stream.write_all(line).await.is_ok() {}
        })
        .await;
        let error = bounded(Client::from_stream(stream, config())).await.expect_err("endless");
        assert!(matches!(error.kind(), ErrorKind::Protocol { .. }), "{line:?}: {error:?}");
    }
}

#[tokio::test]
async fn a_server_that_closes_before_the_greeting_is_closed_at_the_greeting() {
    let (stream, _server) = server_with(|stream| async move {
        drop(stream);
    })
    .await;
    let error = bounded(Client::from_stream(stream, config())).await.expect_err("closed");
    assert!(
        matches!(error.kind(), ErrorKind::Closed { step: "greeting" } | ErrorKind::Io(_)),
        "{error:?}"
    );
    assert!(error.is_transient());
}

#[tokio::test]
async fn a_server_that_closes_in_the_middle_of_the_body_fails_the_send() {
    let (stream, _server) = server_with(|stream| async move {
        let mut stream = tokio::io::BufReader::new(stream);
        stream.get_mut().write_all(b"220 mx\r\n").await.expect("greeting");
        // EHLO, MAIL, RCPT and DATA one by one, then a little of the body.
        for reply in [&b"250 ok\r\n"[..], b"250 ok\r\n", b"250 ok\r\n", b"354 go\r\n"] {
            let mut line = String::new();
            tokio::io::AsyncBufReadExt::read_line(&mut stream, &mut line).await.expect("a line");
            stream.get_mut().write_all(reply).await.expect("reply");
        }
        let mut body = vec![0u8; 64 * 1024];
        stream.read_exact(&mut body).await.expect("some of the body");
        drop(stream);
    })
    .await;
    let mut client = Client::from_stream(stream, config()).await.expect("greeting");
    client.ehlo(&host()).await.expect("greets");
    let message = "a line of the body\r\n".repeat(1 << 20);
    let error = bounded(client.send(&envelope(&["b@example.net"]), message.as_bytes())).await;
    let error = error.expect_err("dropped during the body");
    assert!(
        matches!(
            error.kind(),
            ErrorKind::Io(_) | ErrorKind::Closed { .. } | ErrorKind::Timeout { .. }
        ),
        "{error:?}"
    );
    assert!(!error.is_outcome_unknown(), "the end of data was never sent");
}

#[tokio::test]
async fn a_connection_dropped_at_any_step_is_an_error_not_a_hang() {
    // Each script drops the connection (an empty answer) at one step, with
    // PIPELINING offered and without. Without it every command waits for
    // its reply, so the error names the step where the connection went.
    let scripts: [(Script, &str, bool); 8] = [
        (|l| if l.starts_with("EHLO") { b"" } else { accepting(l) }, "EHLO", true),
        (|l| if l.starts_with("MAIL") { b"" } else { accepting(l) }, "MAIL", true),
        (|l| if l.starts_with("RCPT") { b"" } else { accepting(l) }, "RCPT", true),
        (|l| if l == "DATA" { b"" } else { accepting(l) }, "DATA", true),
        (|l| if l.starts_with("EHLO") { b"" } else { plain(l) }, "EHLO", false),
        (|l| if l.starts_with("MAIL") { b"" } else { plain(l) }, "MAIL", false),
        (|l| if l.starts_with("RCPT") { b"" } else { plain(l) }, "RCPT", false),
        (|l| if l == "DATA" { b"" } else { plain(l) }, "DATA", false),
    ];
    for (script, step, pipelining) in scripts {
        let (addr, _server) = server(b"220 mx\r\n", script).await;
        let mut client = Client::connect(&addr, config()).await.expect("connects");
        let result = match client.ehlo(&host()).await {
            Err(error) => Err(error),
            Ok(_) => client.send(&envelope(&["bob@example.net"]), b"hi\r\n").await.map(drop),
        };
        let error = result.expect_err(step);
        if pipelining {
            assert!(
                matches!(error.kind(), ErrorKind::Closed { .. } | ErrorKind::Io(_)),
                "{step}: {error:?}"
            );
        } else {
            assert!(
                matches!(error.kind(), ErrorKind::Closed { step: s } if *s == step),
                "{step}: {error:?}"
            );
        }
        assert!(error.is_transient(), "{step}");
    }
}

#[tokio::test]
async fn a_connection_dropped_at_rset_or_quit_is_closed_at_that_step() {
    let scripts: [(Script, &str); 2] = [
        (|l| if l == "RSET" { b"" } else { plain(l) }, "RSET"),
        (|l| if l == "QUIT" { b"" } else { plain(l) }, "QUIT"),
    ];
    for (script, step) in scripts {
        let (addr, _server) = server(b"220 mx\r\n", script).await;
        let mut client = Client::connect(&addr, config()).await.expect("connects");
        client.ehlo(&host()).await.expect("greets");
        let result = if step == "RSET" { client.rset().await } else { client.quit().await };
        let error = result.expect_err(step);
        assert!(
            matches!(error.kind(), ErrorKind::Closed { step: s } if *s == step),
            "{step}: {error:?}"
        );
    }
}

#[tokio::test]
async fn no_reply_after_the_final_dot_in_time_is_outcome_unknown() {
    fn script(line: &str) -> &'static [u8] {
        match line.get(..4).unwrap_or(line) {
            "." => SILENT,
            other => plain(other),
        }
    }
    let (addr, _server) = server(b"220 mx\r\n", script).await;
    let mut client = Client::connect(&addr, config()).await.expect("connects");
    client.ehlo(&host()).await.expect("greets");
    let error = bounded(client.send(&envelope(&["b@example.net"]), b"hi\r\n")).await;
    let error = error.expect_err("no reply");
    let ErrorKind::OutcomeUnknown { cause } = error.kind() else {
        panic!("{error:?}");
    };
    assert!(matches!(cause.kind(), ErrorKind::Timeout { step: "end of data" }), "{cause:?}");
}

/// Control characters that must never reach a command line.
const CONTROLS: [&str; 6] = ["\r", "\n", "\r\n", "\0", "\x01", "\x7f"];

#[test]
fn no_value_of_a_command_line_can_be_built_with_a_control_character() {
    use smtpkit_codec::{
        AddressLiteral, AuthAddress, EnvId, EsmtpKeyword, EsmtpValue, LocalPart, Mailbox,
    };
    for control in CONTROLS {
        let name = format!("client{control}.example");
        assert!(Host::new(&name).is_err(), "EHLO name {control:?}");
        let address = format!("a{control}b@example.org");
        assert!(address.parse::<Mailbox>().is_err(), "mailbox {control:?}");
        let quoted = format!("\"a{control}b\"");
        assert!(LocalPart::new(quoted).is_err(), "quoted local-part {control:?}");
        assert!(AddressLiteral::general("x", format!("a{control}")).is_err(), "{control:?}");
        assert!(EsmtpKeyword::new(format!("X{control}")).is_err(), "keyword {control:?}");
        assert!(EsmtpValue::new(format!("v{control}")).is_err(), "value {control:?}");
        // xtext values are written encoded, but must still hold no controls.
        assert!(EnvId::new(format!("id{control}")).is_err(), "ENVID {control:?}");
        assert!(AuthAddress::new(format!("a{control}@b")).is_err(), "AUTH {control:?}");
    }
}
