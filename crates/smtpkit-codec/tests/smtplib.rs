//! Interoperability with Python's smtplib, a real and widely used client.
//!
//! A small loop in this test plays the server over real TCP on 127.0.0.1:
//! it parses every command smtplib sends with `parse_command` and answers
//! with replies built by this crate, so smtplib in turn parses our replies
//! and our EHLO capabilities. Needs `python3`; `cargo xtask test` makes
//! sure it is there and runs this file through the `interop` feature.

use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::process::Command as Process;
use std::thread;
use std::time::Duration;

use smtpkit_codec::{
    line::skip_line, parse_command, Capabilities, Capability, Command, CommandOptions, ForwardPath,
    Reply, Status,
};

/// The client's side: smtplib greets, sends one message with DSN and SIZE
/// parameters, tries a malformed sender, and quits. It prints what it saw
/// of the server, one `key=value` a line.
const CLIENT: &str = r#"
import smtplib, sys
s = smtplib.SMTP("127.0.0.1", int(sys.argv[1]), local_hostname="client.example", timeout=10)
code, _ = s.ehlo()
print("ehlo=%d" % code)
print("features=%s" % ",".join(sorted(s.esmtp_features)))
print("size=%s" % s.esmtp_features.get("size", ""))
print("auth=%s" % s.esmtp_features.get("auth", "").strip())
refused = s.sendmail("alice@example.org", ["bob@example.net", "carol@example.net"],
    b"Subject: hello\r\n\r\n.leading dot\r\nbody\r\n",
    mail_options=["BODY=8BITMIME", "RET=HDRS"], rcpt_options=["NOTIFY=SUCCESS,FAILURE"])
print("refused=%d" % len(refused))
code, text = s.docmd("MAIL FROM:<alice@@example.org>")
print("bad=%d %s" % (code, text.decode()))
code, text = s.docmd("FROB")
print("unknown=%d %s" % (code, text.decode()))
s.quit()
print("done")
"#;

#[test]
fn smtplib_commands_parse_and_our_replies_satisfy_smtplib() {
    let listener = TcpListener::bind("127.0.0.1:0").expect("bind a loopback port");
    let port = listener.local_addr().expect("a bound address").port();
    let server = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("smtplib connects");
        serve(stream)
    });

    let output = Process::new("python3")
        .args(["-c", CLIENT, &port.to_string()])
        .output()
        .expect("python3 runs (cargo xtask test installs it)");
    let commands = server.join().expect("the server loop does not panic");
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "smtplib failed:\n{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );

    // What smtplib understood of our replies.
    let seen: Vec<&str> = stdout.lines().collect();
    assert!(seen.contains(&"ehlo=250"), "{stdout}");
    assert!(seen.contains(&"size=10485760"), "{stdout}");
    assert!(seen.contains(&"auth=PLAIN LOGIN"), "{stdout}");
    assert!(
        seen.iter().any(|l| l.starts_with("features=")
            && l.contains("pipelining")
            && l.contains("8bitmime")
            && l.contains("dsn")),
        "{stdout}"
    );
    assert!(seen.contains(&"refused=0"), "{stdout}");
    assert!(seen.contains(&"bad=501 5.1.7 Syntax error: expected domain"), "{stdout}");
    assert!(seen.iter().any(|l| l.starts_with("unknown=500 5.5.2")), "{stdout}");
    assert!(seen.contains(&"done"), "{stdout}");

    // What we understood of smtplib's commands.
    let verbs: Vec<&str> = commands.iter().map(|c| c.verb()).collect();
    assert_eq!(verbs, ["EHLO", "MAIL", "RCPT", "RCPT", "DATA", "FROB", "QUIT"]);
    let Command::Mail { parameters, .. } = &commands[1] else { panic!("MAIL") };
    assert!(
        parameters.body().is_some() && parameters.ret().is_some() && parameters.size().is_some()
    );
    let Command::Rcpt { forward_path: ForwardPath::Mailbox(bob), parameters } = &commands[2] else {
        panic!("RCPT")
    };
    assert_eq!(bob.to_string(), "bob@example.net");
    assert!(parameters.notify().is_some());
}

/// Plays the server until QUIT, returning every command that parsed.
fn serve(mut stream: TcpStream) -> Vec<Command<'static>> {
    stream.set_read_timeout(Some(Duration::from_secs(10))).expect("a timeout can be set");
    send(&mut stream, &Reply::service_ready("mx.example.org").expect("a valid domain"));
    let options = CommandOptions::default();
    let mut buffer = Vec::new();
    let mut commands = Vec::new();
    let mut chunk = [0u8; 4096];

    loop {
        let parsed = parse_command(&buffer, &options).map(|status| status.map(Command::into_owned));
        match parsed {
            Ok(Status::Complete { value: command, consumed }) => {
                buffer.drain(..consumed);
                let reply = match &command {
                    Command::Ehlo(_) => capabilities().to_reply(),
                    Command::Mail { .. } => Reply::sender_ok(),
                    Command::Rcpt { .. } => Reply::recipient_ok(),
                    Command::Data => {
                        send(&mut stream, &Reply::start_mail_input());
                        read_message(&mut stream, &mut buffer);
                        Reply::message_accepted()
                    }
                    Command::Quit => Reply::closing(),
                    _ => Reply::command_unrecognized(),
                };
                send(&mut stream, &reply);
                let quit = command == Command::Quit;
                commands.push(command);
                if quit {
                    return commands;
                }
            }
            Ok(Status::Incomplete) => {
                let n = stream.read(&mut chunk).expect("smtplib keeps the connection open");
                assert!(n > 0, "smtplib closed before QUIT");
                buffer.extend_from_slice(&chunk[..n]);
            }
            Err(error) => {
                let reply = Reply::from_parse_error(&error);
                let text = format!("Syntax error: {}", error.kind());
                let reply =
                    Reply::single(reply.code(), reply.enhanced_code(), text).expect("valid");
                send(&mut stream, &reply);
                let skip = skip_line(&buffer).expect("errors come from whole lines here");
                buffer.drain(..skip);
            }
        }
    }
}

/// What the server offers.
fn capabilities() -> Capabilities<'static> {
    let mut capabilities = Capabilities::new("mx.example.org").expect("a valid domain");
    for capability in [
        Capability::Size(Some(10_485_760)),
        Capability::Pipelining,
        Capability::EightBitMime,
        Capability::Dsn,
        Capability::EnhancedStatusCodes,
        Capability::Auth(vec!["PLAIN".into(), "LOGIN".into()]),
    ] {
        capabilities.push(capability).expect("a valid capability");
    }
    capabilities
}

/// Reads the message up to its end, CRLF "." CRLF, leaving what follows.
fn read_message(stream: &mut TcpStream, buffer: &mut Vec<u8>) {
    let mut chunk = [0u8; 4096];
    loop {
        if let Some(end) = buffer.windows(5).position(|w| w == b"\r\n.\r\n") {
            buffer.drain(..end + 5);
            return;
        }
        let n = stream.read(&mut chunk).expect("the message arrives");
        assert!(n > 0, "smtplib closed during DATA");
        buffer.extend_from_slice(&chunk[..n]);
    }
}

fn send(stream: &mut TcpStream, reply: &Reply<'_>) {
    stream.write_all(&reply.to_bytes()).expect("smtplib reads our replies");
}
