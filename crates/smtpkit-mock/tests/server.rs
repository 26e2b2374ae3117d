//! The mock server over real TCP on 127.0.0.1, with the raw bytes a
//! person types into telnet.

mod common;

use std::time::Duration;

use smtpkit_mock::{Extensions, MockServer, On, Rule, SessionConfig};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Sends `input` in one write (or byte by byte) and reads until the server
/// closes, returning the reply codes in order.
async fn converse(server: &MockServer, input: &[u8], byte_by_byte: bool) -> Vec<u16> {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
    if byte_by_byte {
        for byte in input {
            stream.write_all(&[*byte]).await.expect("written");
        }
    } else {
        stream.write_all(input).await.expect("written");
    }
    let mut replies = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut replies))
        .await
        .expect("the server closes after QUIT")
        .expect("reads");
    String::from_utf8_lossy(&replies)
        .lines()
        .filter(|line| line.as_bytes().get(3) == Some(&b' '))
        .filter_map(|line| line.get(..3)?.parse().ok())
        .collect()
}

/// Starts a server whose deadline for a whole message, 400 ms, is far
/// shorter than its command deadline, 5 s; then opens a transaction from
/// a@example.org to b@example.org and sends `more` in the same write.
async fn with_a_short_data_deadline(more: &[u8]) -> (MockServer, TcpStream) {
    let server = MockServer::builder()
        .command_deadline(Duration::from_secs(5))
        .data_deadline(Duration::from_millis(400))
        .start()
        .await
        .expect("starts");
    let mut input =
        b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n".to_vec();
    input.extend_from_slice(more);
    let stream = common::connect_and_send(&server, &input).await;
    (server, stream)
}

/// Reads what the server sends until it closes, for at most 5 seconds.
async fn read_until_closed(stream: &mut TcpStream) -> String {
    let mut replies = Vec::new();
    let _ = tokio::time::timeout(Duration::from_secs(5), stream.read_to_end(&mut replies)).await;
    String::from_utf8_lossy(&replies).into_owned()
}

/// The classic telnet lesson, as typed.
const LESSON: &[u8] = b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\n\
RCPT TO:<fuga@example.net>\r\nDATA\r\n\r\nHello, this is HAL-9000.\r\nI can sing songs.\r\n\r\n.\r\nQUIT\r\n";

#[tokio::test]
async fn the_telnet_lesson_lands_in_the_mailbox_however_it_is_sent() {
    let server = MockServer::start().await.expect("starts");
    for byte_by_byte in [false, true] {
        let codes = converse(&server, LESSON, byte_by_byte).await;
        assert_eq!(codes, [220, 250, 250, 250, 354, 250, 221]);
    }
    let mailbox = server.mailbox("fuga@example.net");
    assert_eq!(mailbox.len(), 2);
    for stored in &mailbox {
        assert_eq!(
            stored.message.content,
            b"\r\nHello, this is HAL-9000.\r\nI can sing songs.\r\n\r\n"
        );
        assert_eq!(stored.message.envelope.reverse_path.to_string(), "<hoge@example.net>");
    }
    assert!(server.mailbox("nobody@example.net").is_empty());
}

#[tokio::test]
async fn a_disconnect_in_the_middle_of_data_stores_nothing() {
    let server = MockServer::start().await.expect("starts");
    let stream = common::connect_and_send(
        &server,
        b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nDATA\r\npartial\r\n",
    )
    .await;
    tokio::time::sleep(Duration::from_millis(100)).await;
    drop(stream);
    let waited = server.wait_for(1, Duration::from_millis(300), |_| true).await;
    assert!(waited.is_err());
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn connections_beyond_the_limit_get_421() {
    let server = MockServer::builder().connection_limit(1).start().await.expect("starts");
    let mut first = TcpStream::connect(server.addr()).await.expect("connects");
    let mut greeting = [0u8; 3];
    first.read_exact(&mut greeting).await.expect("greeting");
    assert_eq!(&greeting, b"220");
    let mut second = TcpStream::connect(server.addr()).await.expect("connects");
    let mut reply = Vec::new();
    second.read_to_end(&mut reply).await.expect("reads");
    assert!(reply.starts_with(b"421 4.7.0"), "{:?}", String::from_utf8_lossy(&reply));
}

#[tokio::test]
async fn a_client_trickling_one_command_is_cut_off_at_the_deadline() {
    let server = MockServer::builder()
        .command_deadline(Duration::from_millis(300))
        .start()
        .await
        .expect("starts");
    let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
    let mut replies = Vec::new();
    // One byte every 100 ms keeps every read in time, but the command
    // never ends within its deadline.
    for byte in b"NOOP and more and more\r\n" {
        if stream.write_all(&[*byte]).await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let _ = stream.read_to_end(&mut replies).await;
    let text = String::from_utf8_lossy(&replies);
    assert!(text.contains("421 4.4.2"), "{text}");
}

#[tokio::test]
async fn a_client_trickling_message_data_is_cut_off_at_the_data_deadline() {
    // Every read comes well within the command deadline; only the whole
    // message's deadline can end this.
    let (server, mut stream) = with_a_short_data_deadline(b"DATA\r\n").await;
    let started = tokio::time::Instant::now();
    for _ in 0..40 {
        if stream.write_all(b"x").await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    // The client ends the message after the deadline; it must not count.
    let _ = stream.write_all(b"\r\n.\r\n").await;
    let text = read_until_closed(&mut stream).await;
    assert!(text.ends_with("421 4.4.2 timeout exceeded, closing connection\r\n"), "{text}");
    assert!(started.elapsed() < Duration::from_secs(5));
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn a_client_trickling_bdat_chunks_is_cut_off_at_the_data_deadline() {
    // Every chunk is answered in time; only the whole message's deadline
    // can end this.
    let (server, mut stream) = with_a_short_data_deadline(b"").await;
    for _ in 0..20 {
        if stream.write_all(b"BDAT 1\r\nx").await.is_err() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    let _ = stream.write_all(b"BDAT 2 LAST\r\n\r\n").await;
    let text = read_until_closed(&mut stream).await;
    assert!(text.ends_with("421 4.4.2 timeout exceeded, closing connection\r\n"), "{text}");
    assert!(server.messages().is_empty());
}

#[tokio::test]
async fn a_full_store_answers_452_unless_it_evicts() {
    let server = MockServer::builder().store_capacity(1, false).start().await.expect("starts");
    assert_eq!(converse(&server, LESSON, false).await, [220, 250, 250, 250, 354, 250, 221]);
    assert_eq!(converse(&server, LESSON, false).await, [220, 250, 250, 250, 354, 452, 221]);
    assert_eq!(server.messages().len(), 1);

    let evicting = MockServer::builder().store_capacity(1, true).start().await.expect("starts");
    converse(&evicting, LESSON, false).await;
    converse(&evicting, LESSON, false).await;
    assert_eq!(evicting.messages().len(), 1);
    assert_eq!(evicting.messages()[0].id, 2);
    assert_eq!(evicting.store().evicted(), 1);
}

#[tokio::test]
async fn the_store_is_bounded_in_octets_too() {
    // The lesson's message is 49 octets: two fit in 100, a third does not.
    let server = MockServer::builder()
        .store_capacity(10, false)
        .store_bytes(100)
        .start()
        .await
        .expect("starts");
    for expected in [250, 250, 452] {
        let codes = converse(&server, LESSON, false).await;
        assert_eq!(codes[5], expected);
    }
    assert_eq!(server.store().bytes(), 98);

    let evicting = MockServer::builder()
        .store_capacity(10, true)
        .store_bytes(100)
        .start()
        .await
        .expect("starts");
    for _ in 0..3 {
        converse(&evicting, LESSON, false).await;
    }
    let ids: Vec<u64> = evicting.messages().iter().map(|m| m.id).collect();
    assert_eq!(ids, [2, 3]);
}

/// Two messages in one write: DATA twice, then BDAT LAST twice.
const TWO_MESSAGES: [&[u8]; 2] = [
    b"EHLO example.net\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nDATA\r\none\r\n.\r\n\
MAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nDATA\r\ntwo\r\n.\r\nQUIT\r\n",
    b"EHLO example.net\r\nMAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nBDAT 5 LAST\r\none\r\n\
MAIL FROM:<a@example.net>\r\nRCPT TO:<b@example.net>\r\nBDAT 5 LAST\r\ntwo\r\nQUIT\r\n",
];

#[tokio::test]
async fn the_second_of_two_messages_in_one_write_to_a_full_store_gets_452() {
    for input in TWO_MESSAGES {
        let server = MockServer::builder().store_capacity(1, false).start().await.expect("starts");
        let text = converse_text(&server, input).await;
        assert_eq!(text.matches("250 2.6.0").count(), 1, "{text}");
        assert!(text.contains("452 4.3.1"), "{text}");
        let stored = server.messages();
        assert_eq!(stored.len(), 1);
        assert_eq!(stored[0].message.content, b"one\r\n");
    }
}

#[tokio::test]
async fn every_250_to_end_of_data_is_a_stored_message_across_sessions() {
    // Eight sessions race for three places, two messages each.
    let server = MockServer::builder().store_capacity(3, false).start().await.expect("starts");
    let sessions: Vec<_> = (0..8)
        .map(|i| {
            let addr = server.addr();
            tokio::spawn(async move {
                let mut stream = TcpStream::connect(addr).await.expect("connects");
                stream.write_all(TWO_MESSAGES[i % 2]).await.expect("written");
                let mut replies = Vec::new();
                stream.read_to_end(&mut replies).await.expect("reads");
                String::from_utf8_lossy(&replies).matches("250 2.6.0").count()
            })
        })
        .collect();
    let mut accepted = 0;
    for session in sessions {
        accepted += session.await.expect("the session ends");
    }
    assert_eq!(accepted, 3);
    assert_eq!(server.messages().len(), accepted);
}

/// Sends `input` in one write and reads the replies until the server
/// closes.
async fn converse_text(server: &MockServer, input: &[u8]) -> String {
    let mut stream = TcpStream::connect(server.addr()).await.expect("connects");
    stream.write_all(input).await.expect("written");
    let mut replies = Vec::new();
    tokio::time::timeout(Duration::from_secs(10), stream.read_to_end(&mut replies))
        .await
        .expect("the server closes after QUIT")
        .expect("reads");
    String::from_utf8_lossy(&replies).into_owned()
}

#[test]
fn shutdown_says_421_to_open_sessions_before_it_returns_and_refuses_new_ones() {
    use std::io::Read;

    // The server's runtime runs only inside `block_on` and is gone before
    // the client reads the rest, so whatever the session says must be
    // written by the time `shutdown` returns, even while it holds a reply
    // back.
    let runtime =
        tokio::runtime::Builder::new_current_thread().enable_all().build().expect("a runtime");
    let (server, client) = runtime.block_on(async {
        let server = MockServer::builder()
            .rule(Rule::on(On::Hello).pass().delay(Duration::from_millis(300)))
            .start()
            .await
            .expect("starts");
        let mut client = TcpStream::connect(server.addr()).await.expect("connects");
        let mut greeting = [0u8; 4];
        client.read_exact(&mut greeting).await.expect("a greeting");
        assert_eq!(&greeting, b"220 ");
        client.write_all(b"HELO a.example\r\n").await.expect("written");
        tokio::time::sleep(Duration::from_millis(50)).await;
        (server, client.into_std().expect("a plain socket"))
    });
    let addr = server.addr();
    runtime.block_on(server.shutdown());
    drop(runtime);

    client.set_nonblocking(false).expect("blocking");
    client.set_read_timeout(Some(Duration::from_secs(10))).expect("a read timeout");
    let mut rest = String::new();
    (&client).read_to_string(&mut rest).expect("reads to the close");
    let (_greeting, after) = rest.split_once("\r\n").expect("the greeting's end");
    assert_eq!(after, "250 localhost\r\n421 4.3.2 server shutting down\r\n");
    assert!(std::net::TcpStream::connect(addr).is_err(), "the listener is closed");
}

/// The keywords of the reply to EHLO from a server with `config`, after
/// the line with its name.
async fn ehlo_keywords(config: SessionConfig) -> Vec<String> {
    let server = MockServer::builder().session(config).start().await.expect("starts");
    let replies = converse_text(&server, b"EHLO a.example\r\nQUIT\r\n").await;
    // The reply is the lines from the first 250 to the first one with a
    // space after its code.
    let mut reply: Vec<&str> = Vec::new();
    for line in replies.lines().skip_while(|line| !line.starts_with("250")) {
        reply.push(line);
        if line.as_bytes().get(3) == Some(&b' ') {
            break;
        }
    }
    assert_eq!(reply.first().map(|line| &line[4..]), Some("localhost"), "{replies}");
    reply[1..].iter().map(|line| line[4..].to_owned()).collect()
}

#[tokio::test]
async fn ehlo_offers_every_extension_and_switching_one_off_removes_it() {
    let all = [
        "PIPELINING",
        "SIZE 10485760",
        "8BITMIME",
        "SMTPUTF8",
        "ENHANCEDSTATUSCODES",
        "CHUNKING",
        "BINARYMIME",
        "DSN",
    ];
    assert_eq!(ehlo_keywords(SessionConfig::default()).await, all);

    type Switch = fn(&mut Extensions);
    let switches: [(Switch, &[&str]); 8] = [
        (|e| e.pipelining = false, &["PIPELINING"]),
        (|e| e.size = false, &["SIZE 10485760"]),
        (|e| e.eight_bit_mime = false, &["8BITMIME"]),
        (|e| e.smtputf8 = false, &["SMTPUTF8"]),
        (|e| e.enhanced_status_codes = false, &["ENHANCEDSTATUSCODES"]),
        // BINARYMIME needs BDAT, so it goes with CHUNKING.
        (|e| e.chunking = false, &["CHUNKING", "BINARYMIME"]),
        (|e| e.binarymime = false, &["BINARYMIME"]),
        (|e| e.dsn = false, &["DSN"]),
    ];
    for (switch_off, removed) in switches {
        let mut config = SessionConfig::default();
        switch_off(&mut config.extensions);
        let expected: Vec<&str> = all.into_iter().filter(|k| !removed.contains(k)).collect();
        assert_eq!(ehlo_keywords(config).await, expected, "without {removed:?}");
    }

    let config = SessionConfig { max_message_size: 1000, ..SessionConfig::default() };
    assert!(ehlo_keywords(config).await.contains(&"SIZE 1000".to_owned()));
    let config = SessionConfig { extensions: Extensions::none(), ..SessionConfig::default() };
    assert!(ehlo_keywords(config).await.is_empty());
}
