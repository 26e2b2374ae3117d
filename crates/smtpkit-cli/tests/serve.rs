//! `smtpkit serve` as a process: it listens, shows conversations and
//! stored messages as text or JSON lines, applies the limits and line
//! ending policy it is given, and stops cleanly on SIGTERM.

use std::io::{BufRead, BufReader, Lines, Write as _};
use std::process::{Child, ChildStdout, Command, Output, Stdio};

/// Starts `smtpkit serve` on a free port with `extra` arguments, and
/// returns it, the lines of its output after the first, and its address.
fn start(extra: &[&str]) -> (Child, Lines<BufReader<ChildStdout>>, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["serve", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(server.stdout.take().expect("piped")).lines();
    let first = lines.next().expect("a line").expect("UTF-8");
    let addr = first
        .strip_prefix("smtpkit serve: listening on ")
        .and_then(|rest| rest.split(';').next())
        .unwrap_or_else(|| panic!("{first}"))
        .to_owned();
    (server, lines, addr)
}

/// The telnet lesson's envelope as arguments of `smtpkit send`.
const HOGE_TO_FUGA: [&str; 4] = ["--from", "hoge@example.net", "--to", "fuga@example.net"];

/// Runs `smtpkit send` against `addr` with `args`.
fn send(addr: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["send", "--server", addr])
        .args(args)
        .output()
        .expect("send runs")
}

/// Sends the telnet lesson's greeting with a Japanese subject from
/// hoge@example.net to fuga@example.net, and expects it taken.
fn send_the_lesson(addr: &str) {
    let subject_body = ["--subject", "テスト", "--body", "Hello, this is HAL-9000."];
    let sent = send(addr, &[&HOGE_TO_FUGA[..], &subject_body].concat());
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
}

#[test]
fn serve_shows_the_session_and_the_stored_message_and_stops_on_sigterm() {
    let (mut server, mut lines, addr) = start(&[]);

    send_the_lesson(&addr);

    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let line = line.expect("UTF-8");
        let done = line.starts_with("stored #1");
        seen.push(line);
        if done {
            break;
        }
    }
    let size: usize = sent_size(&seen).parse().expect("MAIL FROM with a SIZE parameter");
    assert!(size > 100, "{seen:?}");
    assert!(
        seen.iter().any(|l| l == "[1] <- 354 start mail input; end with <CRLF>.<CRLF>"),
        "{seen:?}"
    );
    let stored = seen.last().expect("a stored line");
    assert!(
        stored.starts_with(
            "stored #1 from <hoge@example.net> to <fuga@example.net> subject \"テスト\""
        ),
        "{stored}"
    );

    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    assert!(killed.expect("kill runs").success());
    let rest: Vec<String> = lines.map(|l| l.expect("UTF-8")).collect();
    assert_eq!(rest.last().map(String::as_str), Some("smtpkit serve: stopped"), "{rest:?}");
    assert!(server.wait().expect("exits").success());
}

/// The SIZE the client declared, read back from the transcript.
fn sent_size(seen: &[String]) -> String {
    seen.iter()
        .find_map(|l| l.strip_prefix("[1] -> MAIL FROM:<hoge@example.net> SIZE="))
        .unwrap_or_default()
        .to_owned()
}

#[test]
fn rules_script_replies_and_malformed_ones_are_refused_at_start() {
    let bad = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["serve", "--listen", "127.0.0.1:0", "--rule", "rcpt nobody@example.net"])
        .output()
        .expect("runs");
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("PHASE [ADDRESS] [times N] => REPLY"));

    let (mut server, _lines, addr) =
        start(&["--rule", "rcpt nobody@example.net => 550 5.1.1 no such user"]);
    let sent = send(&addr, &["--from", "a@example.org", "--to", "nobody@example.net"]);
    assert_eq!(sent.status.code(), Some(5), "every recipient refused");
    assert!(String::from_utf8_lossy(&sent.stdout).contains("<- 550 5.1.1 no such user"));
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn serve_delivers_into_a_maildir_when_asked() {
    let root = std::env::temp_dir().join(format!("smtpkit-serve-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let root_arg = root.to_string_lossy().into_owned();
    let (mut server, mut lines, addr) = start(&["--maildir", &root_arg]);
    let sent = send(&addr, &[&HOGE_TO_FUGA[..], &["--body", "Hello, this is HAL-9000."]].concat());
    assert!(sent.status.success());
    assert!(lines.any(|l| l.is_ok_and(|l| l.starts_with("stored #1"))));
    let new = root.join("fuga@example.net").join("new");
    let file =
        std::fs::read_dir(&new).expect("new/").next().expect("a file").expect("entry").path();
    let content = String::from_utf8(std::fs::read(file).expect("readable")).expect("UTF-8");
    assert!(content.ends_with("\r\n\r\nHello, this is HAL-9000.\r\n"), "{content}");
    let _ = server.kill();
    let _ = server.wait();
    let _ = std::fs::remove_dir_all(&root);
}

#[test]
fn serve_keeps_the_newest_messages_and_says_when_it_evicts() {
    let (mut server, mut lines, addr) = start(&["--max-messages", "1"]);
    for _ in 0..2 {
        let sent = send(&addr, &["--from", "a@example.org", "--to", "b@example.org"]);
        assert!(sent.status.success());
    }
    let evicted = lines.by_ref().map_while(Result::ok).find(|l| l.starts_with("evicted #"));
    assert_eq!(
        evicted.as_deref(),
        Some("evicted #1: the store keeps the newest messages within its bounds")
    );
    let _ = server.kill();
    let _ = server.wait();
}

#[test]
fn quiet_serve_shows_stored_messages_without_conversations() {
    let (mut server, mut lines, addr) = start(&["--quiet"]);
    let sent = send(&addr, &["--from", "a@example.org", "--to", "b@example.org"]);
    assert!(sent.status.success());
    let next = lines.next().expect("a line").expect("UTF-8");
    assert!(next.starts_with("stored #1 from <a@example.org>"), "{next}");
    let _ = server.kill();
    let _ = server.wait();
}

/// Sends `input` in one write to the server at `addr` and returns all it
/// answered, up to its close.
fn converse(addr: &str, input: &[u8]) -> String {
    use std::io::{Read, Write};

    let mut stream = std::net::TcpStream::connect(addr).expect("connects");
    stream.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("a read timeout");
    stream.write_all(input).expect("written");
    let mut replies = String::new();
    stream.read_to_string(&mut replies).expect("reads to the close");
    replies
}

/// Stops the server with SIGTERM and checks that it exits cleanly.
fn terminate(mut server: Child) {
    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    assert!(killed.expect("kill runs").success());
    assert!(server.wait().expect("exits").success());
}

#[test]
fn sigterm_tells_open_sessions_421_and_refuses_new_connections() {
    use std::io::Read;

    let (mut server, mut lines, addr) = start(&[]);
    let mut client = std::net::TcpStream::connect(&addr).expect("connects");
    client.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("a read timeout");
    let greeting = lines.next().expect("a line").expect("UTF-8");
    assert_eq!(greeting, "[1] <- 220 localhost ESMTP service ready");

    let killed = Command::new("kill").args(["-TERM", &server.id().to_string()]).status();
    assert!(killed.expect("kill runs").success());
    let mut replies = String::new();
    client.read_to_string(&mut replies).expect("reads to the close");
    assert_eq!(replies, "220 localhost ESMTP service ready\r\n421 4.3.2 server shutting down\r\n");

    // By the time it says it stopped, it listens no more.
    let rest: Vec<String> = lines.map(|l| l.expect("UTF-8")).collect();
    assert!(rest.iter().any(|l| l == "[1] <- 421 4.3.2 server shutting down"), "{rest:?}");
    assert_eq!(rest.last().map(String::as_str), Some("smtpkit serve: stopped"), "{rest:?}");
    assert!(std::net::TcpStream::connect(&addr).is_err(), "the listener is closed");
    assert!(server.wait().expect("exits").success());
}

/// Starts `smtpkit serve --json` on a free port with `extra` arguments,
/// and returns it, the JSON lines of its output after the first, and its
/// address.
fn start_json(extra: &[&str]) -> (Child, impl Iterator<Item = serde_json::Value>, String) {
    let mut server = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["serve", "--json", "--listen", "127.0.0.1:0"])
        .args(extra)
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(server.stdout.take().expect("piped"))
        .lines()
        .map(|line| serde_json::from_str(&line.expect("UTF-8")).expect("a JSON line"));
    let first: serde_json::Value = lines.next().expect("a line");
    assert_eq!(first["event"], "listening", "{first}");
    let addr = first["addr"].as_str().expect("an address").to_owned();
    (server, lines, addr)
}

#[test]
fn json_output_is_one_object_per_line_for_listening_sessions_and_messages() {
    let (server, mut lines, addr) = start_json(&[]);
    send_the_lesson(&addr);

    let mut seen = Vec::new();
    for line in lines.by_ref() {
        let done = line["event"] == "message";
        seen.push(line);
        if done {
            break;
        }
    }
    let first = &seen[0];
    assert_eq!(first["event"], "io");
    assert_eq!(first["session"], 1);
    assert_eq!(first["direction"], "server");
    assert_eq!(first["line"], "220 localhost ESMTP service ready");
    assert!(
        seen.iter().any(|l| l["direction"] == "client"
            && l["line"].as_str().is_some_and(|t| t.starts_with("MAIL FROM:<hoge@example.net>"))),
        "{seen:?}"
    );
    let message = seen.last().expect("a message line");
    assert_eq!(message["id"], 1);
    assert_eq!(message["from"], "<hoge@example.net>");
    assert_eq!(message["to"], serde_json::json!(["<fuga@example.net>"]));
    assert_eq!(message["subject"], "テスト");
    assert!(message["size"].as_u64().is_some_and(|size| size > 100), "{message}");
    terminate(server);
}

#[test]
fn a_line_the_client_did_not_finish_before_closing_is_shown() {
    use std::io::Read as _;

    let (server, mut lines, addr) = start(&[]);
    let mut client = std::net::TcpStream::connect(&addr).expect("connects");
    client.set_read_timeout(Some(std::time::Duration::from_secs(10))).expect("a read timeout");
    client.write_all(b"EHLO client.example\r\n").expect("written");
    let mut seen = Vec::new();
    while !seen.iter().any(|line: &String| line.contains("250 ")) {
        seen.push(lines.next().expect("a line").expect("UTF-8"));
    }
    client.write_all(b"MAIL FROM:<hoge@example.net>").expect("written");
    client.shutdown(std::net::Shutdown::Write).expect("closed for writing");
    let mut replies = String::new();
    client.read_to_string(&mut replies).expect("the server closes too");
    let last = replies.lines().filter(|line| line.starts_with("250 ")).collect::<Vec<_>>();
    assert_eq!(last.len(), 1, "no reply but EHLO's to a line without its end: {replies}");

    let line = lines.next().expect("a line").expect("UTF-8");
    assert_eq!(line, "[1] -> MAIL FROM:<hoge@example.net>");
    terminate(server);
}

#[test]
fn max_size_is_offered_with_size_and_enforced() {
    let (server, _lines, addr) = start(&["--quiet", "--max-size", "100"]);
    let big = "x".repeat(120);
    let input = format!(
        "EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n\
         DATA\r\n{big}\r\n.\r\nMAIL FROM:<a@example.org> SIZE=101\r\nQUIT\r\n"
    );
    let replies = converse(&addr, input.as_bytes());
    assert!(replies.contains("250-SIZE 100\r\n"), "{replies}");
    assert_eq!(replies.matches("552 5.3.4").count(), 2, "{replies}");
    terminate(server);
}

#[test]
fn max_recipients_refuses_one_recipient_too_many() {
    let (server, _lines, addr) = start(&["--quiet", "--max-recipients", "2"]);
    let replies = converse(
        &addr,
        b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n\
          RCPT TO:<c@example.org>\r\nRCPT TO:<d@example.org>\r\nQUIT\r\n",
    );
    let codes: Vec<&str> = replies
        .lines()
        .filter(|line| line.as_bytes().get(3) == Some(&b' '))
        .map(|line| &line[..3])
        .collect();
    assert_eq!(codes, ["220", "250", "250", "250", "250", "452", "221"], "{replies}");
    assert!(replies.contains("452 4.5.3"), "{replies}");
    terminate(server);
}

#[test]
fn line_endings_normalize_turns_bare_line_endings_into_crlf() {
    const BARE_LF: &[u8] =
        b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n\
DATA\r\none\ntwo\r\n.\r\nQUIT\r\n";

    // Refused by default, stored as CRLF when normalized.
    let (server, _lines, addr) = start(&["--quiet"]);
    let refused = converse(&addr, BARE_LF);
    assert!(!refused.contains("250 2.6.0"), "{refused}");
    terminate(server);

    let (server, mut lines, addr) = start_json(&["--quiet", "--line-endings", "normalize"]);
    let accepted = converse(&addr, BARE_LF);
    assert!(accepted.contains("250 2.6.0"), "{accepted}");
    let message = lines.next().expect("a message line");
    assert_eq!(message["event"], "message");
    assert_eq!(message["size"], "one\r\ntwo\r\n".len());
    terminate(server);
}

#[test]
fn serve_goes_on_serving_when_its_output_is_closed() {
    let (server, lines, addr) = start(&[]);
    drop(lines);
    let sent = send(&addr, &["--from", "a@example.org", "--to", "b@example.org"]);
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stdout));
    terminate(server);
}

/// A line-at-a-time SMTP conversation over any stream.
struct Conversation<S: std::io::Read + std::io::Write>(BufReader<S>);

impl<S: std::io::Read + std::io::Write> Conversation<S> {
    /// Reads one whole reply.
    fn reply(&mut self) -> String {
        let mut reply = String::new();
        loop {
            let mut line = String::new();
            assert!(self.0.read_line(&mut line).expect("read") > 0, "closed after {reply:?}");
            reply.push_str(&line);
            if line.as_bytes().get(3) != Some(&b'-') {
                return reply;
            }
        }
    }

    /// Sends `line` and reads the reply to it.
    fn ask(&mut self, line: &str) -> String {
        self.0.get_mut().write_all(line.as_bytes()).expect("written");
        self.0.get_mut().flush().expect("flushed");
        self.reply()
    }
}

/// A TLS client over `tcp` that trusts only the authority in `ca_file`.
fn tls_client(
    ca_file: &str,
    name: &str,
    tcp: std::net::TcpStream,
) -> rustls::StreamOwned<rustls::ClientConnection, std::net::TcpStream> {
    use rustls::pki_types::pem::PemObject as _;

    let mut roots = rustls::RootCertStore::empty();
    let ca = rustls::pki_types::CertificateDer::from_pem_file(ca_file).expect("the CA file");
    roots.add(ca).expect("a CA");
    let provider = std::sync::Arc::new(rustls::crypto::ring::default_provider());
    let config = rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .expect("TLS versions")
        .with_root_certificates(roots)
        .with_no_client_auth();
    let name = rustls::pki_types::ServerName::try_from(name.to_owned()).expect("a name");
    let connection = rustls::ClientConnection::new(std::sync::Arc::new(config), name).expect("TLS");
    rustls::StreamOwned::new(connection, tcp)
}

#[test]
fn serve_offers_starttls_and_implicit_tls_with_a_self_signed_certificate() {
    let ca_out =
        std::env::temp_dir().join(format!("smtpkit-serve-test-{}-ca.pem", std::process::id()));
    let ca_out = ca_out.to_str().expect("UTF-8").to_owned();
    let args = ["--tls", "self-signed", "--ca-out", &ca_out, "--require-tls"];
    let (server, mut lines, addr) =
        start_json(&[&args[..], &["--smtps-listen", "127.0.0.1:0"]].concat());
    // The listening line was read by start_json; the paths come from the
    // server's own announcement, checked through the file it wrote.
    assert!(std::fs::read_to_string(&ca_out).expect("the CA file").starts_with("-----BEGIN"));

    let tcp = std::net::TcpStream::connect(&addr).expect("connects");
    let mut plain = Conversation(BufReader::new(tcp));
    assert!(plain.reply().starts_with("220 "));
    assert!(plain.ask("EHLO client.example\r\n").contains("STARTTLS"));
    assert!(plain.ask("MAIL FROM:<hoge@example.net>\r\n").starts_with("530 5.7.0"));
    assert!(plain.ask("STARTTLS\r\n").starts_with("220 2.0.0"));
    let tcp = plain.0.into_inner();
    let mut tls = Conversation(BufReader::new(tls_client(&ca_out, "localhost", tcp)));
    assert!(!tls.ask("EHLO client.example\r\n").contains("STARTTLS"));
    for (line, code) in [
        ("MAIL FROM:<hoge@example.net>\r\n", "250"),
        ("RCPT TO:<fuga@example.net>\r\n", "250"),
        ("DATA\r\n", "354"),
        ("Subject: secret\r\n\r\nover TLS\r\n.\r\n", "250"),
    ] {
        let reply = tls.ask(line);
        assert!(reply.starts_with(code), "{line:?}: {reply}");
    }
    let message = lines.find(|line| line["event"] == "message").expect("a message line");
    assert_eq!(message["subject"], "secret");
    assert_eq!(message["tls"]["implicit"], false);
    assert!(message["tls"]["version"].as_str().is_some_and(|v| v.starts_with("TLSv1_")));
    let _ = std::fs::remove_file(&ca_out);
    terminate(server);
}

#[test]
fn serve_announces_its_tls_listener_and_authority() {
    let ca_out =
        std::env::temp_dir().join(format!("smtpkit-serve-announce-{}-ca.pem", std::process::id()));
    let ca_out = ca_out.to_str().expect("UTF-8").to_owned();
    let mut server = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["serve", "--json", "--listen", "127.0.0.1:0", "--tls", "self-signed"])
        .args(["--ca-out", &ca_out, "--smtps-listen", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .spawn()
        .expect("starts");
    let mut lines = BufReader::new(server.stdout.take().expect("piped")).lines();
    let first: serde_json::Value =
        serde_json::from_str(&lines.next().expect("a line").expect("UTF-8")).expect("JSON");
    assert_eq!(first["starttls"], true);
    assert_eq!(first["ca_file"], ca_out.as_str());
    let smtps = first["smtps_addr"].as_str().expect("an implicit TLS address");

    let tcp = std::net::TcpStream::connect(smtps).expect("connects");
    let mut tls = Conversation(BufReader::new(tls_client(&ca_out, "127.0.0.1", tcp)));
    assert!(tls.reply().starts_with("220 localhost"));
    assert!(tls.ask("QUIT\r\n").starts_with("221"));

    // Plaintext on the TLS listener is a failed handshake, shown as such.
    let mut plain = std::net::TcpStream::connect(smtps).expect("connects");
    plain.write_all(b"EHLO client.example\r\n").expect("written");
    let failed = lines
        .by_ref()
        .map(|line| serde_json::from_str::<serde_json::Value>(&line.expect("UTF-8")).expect("JSON"))
        .find(|line| line["event"] == "tls_failed")
        .expect("a tls_failed line");
    assert!(failed["reason"].as_str().is_some_and(|r| !r.is_empty()), "{failed}");
    let _ = std::fs::remove_file(&ca_out);
    terminate(server);
}

#[test]
fn tls_options_without_a_certificate_are_refused_at_start() {
    for extra in [&["--require-tls"][..], &["--smtps-listen", "127.0.0.1:0"]] {
        let output = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
            .args(["serve", "--listen", "127.0.0.1:0"])
            .args(extra)
            .output()
            .expect("runs");
        assert!(!output.status.success(), "{extra:?}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains("need --tls self-signed or --cert and --key"), "{stderr}");
    }
}

/// A server process killed when dropped, so that a failing test does not
/// leave it running.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn send_upgrades_with_starttls_or_tls_on_connect_and_fails_when_tls_is_missing() {
    let ca_out =
        std::env::temp_dir().join(format!("smtpkit-send-tls-{}-ca.pem", std::process::id()));
    let ca_out = ca_out.to_str().expect("UTF-8").to_owned();
    let mut server = Running(
        Command::new(env!("CARGO_BIN_EXE_smtpkit"))
            .args(["serve", "--json", "--quiet", "--listen", "127.0.0.1:0", "--tls", "self-signed"])
            .args(["--ca-out", &ca_out, "--smtps-listen", "127.0.0.1:0", "--require-tls"])
            .stdout(Stdio::piped())
            .spawn()
            .expect("starts"),
    );
    let mut lines = BufReader::new(server.0.stdout.take().expect("piped")).lines().map(|line| {
        serde_json::from_str::<serde_json::Value>(&line.expect("UTF-8")).expect("JSON")
    });
    let first = lines.next().expect("the listening line");
    let addr = first["addr"].as_str().expect("an address").to_owned();
    let smtps = first["smtps_addr"].as_str().expect("an implicit TLS address").to_owned();

    for (server_addr, mode) in
        [(&addr, "--starttls"), (&addr, "--starttls-optional"), (&smtps, "--tls-on-connect")]
    {
        let subject = format!("--subject=via {mode}");
        let sent =
            send(server_addr, &[&HOGE_TO_FUGA[..], &[mode, "--ca", &ca_out, &subject]].concat());
        let stderr = String::from_utf8_lossy(&sent.stderr);
        assert!(sent.status.success(), "{mode}: {stderr}");
        assert!(stderr.contains("smtpkit: TLS TLSv1_"), "{mode}: {stderr}");
        // Lines over TLS are marked apart, as swaks marks them.
        let stdout = String::from_utf8_lossy(&sent.stdout);
        assert!(stdout.contains("~> MAIL FROM:<hoge@example.net>"), "{mode}: {stdout}");
        assert!(!stdout.contains("-> MAIL"), "{mode}: {stdout}");
        let message = lines.find(|line| line["event"] == "message").expect("a message line");
        assert_eq!(message["subject"], format!("via {mode}"));
        assert_eq!(message["tls"]["implicit"], mode == "--tls-on-connect");
    }
    // In plaintext the required TLS refuses MAIL.
    let sent = send(&addr, &HOGE_TO_FUGA);
    assert_eq!(sent.status.code(), Some(4), "{}", String::from_utf8_lossy(&sent.stderr));
    // An unreadable CA file is a bad argument.
    let missing = ca_out.replace("-ca.pem", "-missing.pem");
    let sent = send(&addr, &[&HOGE_TO_FUGA[..], &["--starttls", "--ca", &missing]].concat());
    assert_eq!(sent.status.code(), Some(1), "{}", String::from_utf8_lossy(&sent.stderr));
    let _ = std::fs::remove_file(&ca_out);
    drop(server);

    // A server without STARTTLS: required TLS sends nothing and exits 14.
    let (plain, _, plain_addr) = start(&["--quiet"]);
    let plain = Running(plain);
    let sent = send(&plain_addr, &[&HOGE_TO_FUGA[..], &["--starttls"]].concat());
    assert_eq!(sent.status.code(), Some(14), "{}", String::from_utf8_lossy(&sent.stderr));
    assert!(String::from_utf8_lossy(&sent.stderr).contains("does not offer STARTTLS"));
    drop(plain);
}

#[test]
fn send_authenticates_against_serve_with_a_users_file() {
    let users = std::env::temp_dir().join(format!("smtpkit-users-{}.txt", std::process::id()));
    std::fs::write(&users, "# test users\nhoge:secret\nfuga:other\n").expect("written");
    let users_arg = users.to_str().expect("UTF-8").to_owned();
    let (server, mut lines, addr) =
        start_json(&["--auth", "users", "--users", &users_arg, "--auth-plaintext"]);
    let server = Running(server);

    for mechanism in ["PLAIN", "LOGIN", "CRAM-MD5"] {
        let args = ["--auth-user", "hoge", "--auth-password", "secret", "--auth-mech", mechanism];
        let sent = send(&addr, &[&HOGE_TO_FUGA[..], &args].concat());
        assert!(sent.status.success(), "{mechanism}: {}", String::from_utf8_lossy(&sent.stderr));
        let shown = String::from_utf8_lossy(&sent.stdout);
        assert!(!shown.contains("secret") && !shown.contains("c2VjcmV0"), "{shown}");
        // Neither side shows the password, plain or in base64 (which
        // PLAIN's and LOGIN's responses contain at one of three offsets).
        let mut client_lines = Vec::new();
        let message = loop {
            let line = lines.next().expect("a message line");
            if line["event"] == "message" {
                break line;
            }
            if line["event"] == "io" && line["direction"] == "client" {
                client_lines.push(line["line"].as_str().expect("text").to_owned());
            }
        };
        assert_eq!(message["auth"], "hoge");
        for line in &client_lines {
            for hidden in ["secret", "c2VjcmV0", "NlY3JldA", "zZWNyZX"] {
                assert!(!line.contains(hidden), "{mechanism}: {line}");
            }
        }
        assert!(client_lines.iter().any(|line| line.ends_with("<redacted>")), "{client_lines:?}");
    }
    // The password from the environment; a wrong one exits 15.
    let sent = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["send", "--server", &addr])
        .args(HOGE_TO_FUGA)
        .args(["--auth-user", "fuga"])
        .env("SMTPKIT_AUTH_PASSWORD", "other")
        .output()
        .expect("runs");
    assert!(sent.status.success(), "{}", String::from_utf8_lossy(&sent.stderr));
    let sent = send(
        &addr,
        &[&HOGE_TO_FUGA[..], &["--auth-user", "hoge", "--auth-password", "wrong"]].concat(),
    );
    assert_eq!(sent.status.code(), Some(15), "{}", String::from_utf8_lossy(&sent.stderr));
    drop(server);
    let _ = std::fs::remove_file(&users);

    let output = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
        .args(["serve", "--listen", "127.0.0.1:0", "--auth", "users"])
        .output()
        .expect("runs");
    assert!(!output.status.success());
    assert!(String::from_utf8_lossy(&output.stderr).contains("--auth users needs --users FILE"));
}

#[test]
fn talk_upgrades_with_starttls_in_the_middle_of_a_session() {
    let ca_out =
        std::env::temp_dir().join(format!("smtpkit-talk-tls-{}-ca.pem", std::process::id()));
    let ca_out = ca_out.to_str().expect("UTF-8").to_owned();
    let (server, mut lines, addr) =
        start_json(&["--quiet", "--tls", "self-signed", "--ca-out", &ca_out]);
    let server = Running(server);

    let talk = |extra: &[&str], input: &str| {
        let mut child = Command::new(env!("CARGO_BIN_EXE_smtpkit"))
            .arg("talk")
            .args(extra)
            .arg(&addr)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .expect("runs");
        std::io::Write::write_all(&mut child.stdin.take().expect("piped"), input.as_bytes())
            .expect("written");
        child.wait_with_output().expect("ends")
    };
    let input =
        "EHLO client.example\nSTARTTLS\nEHLO client.example\nMAIL FROM:<hoge@example.net>\n\
                 RCPT TO:<fuga@example.net>\nDATA\nSubject: typed\n\nover TLS\n.\nQUIT\n";
    let output = talk(&["--starttls", "--ca", &ca_out], input);
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(output.status.success(), "{stdout}");
    let (before, after) = stdout.split_once("TLS is on (TLSv1_").expect("upgraded");
    assert!(before.contains("250 STARTTLS"), "{before}");
    assert!(!after.contains("STARTTLS"), "not offered over TLS: {after}");
    let message = lines.find(|line| line["event"] == "message").expect("a message line");
    assert_eq!(message["subject"], "typed");
    assert_eq!(message["tls"]["implicit"], false);

    // Without --starttls, STARTTLS stays home.
    let output = talk(&[], "EHLO client.example\nSTARTTLS\nQUIT\n");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(stdout.contains("hint: STARTTLS is not sent: it needs --starttls"), "{stdout}");
    assert!(stdout.contains("221"), "{stdout}");
    let _ = std::fs::remove_file(&ca_out);
    drop(server);
}
