//! A scripted SMTP server on 127.0.0.1 for the command line's tests: it
//! answers one session with fixed replies and returns what it read.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};

/// An answer that means: say nothing, but keep reading.
pub const SILENT: &str = "(silent)";

/// A server that answers one session: `rcpt` is the reply to every RCPT.
/// Returns its port and, when the session ends, what it read.
pub fn server(rcpt: &'static str) -> (u16, JoinHandle<String>) {
    scripted("220 mx.example ready\r\n", move |line| match line.get(..4).unwrap_or(line) {
        "RCPT" => rcpt,
        _ => accepting(line),
    })
}

/// The replies of a server that offers PIPELINING and takes everything.
pub fn accepting(line: &str) -> &'static str {
    match line.get(..4).unwrap_or(line) {
        "EHLO" => "250-mx.example\r\n250 PIPELINING\r\n",
        "DATA" => "354 go ahead\r\n",
        "QUIT" => "221 bye\r\n",
        "." => "250 2.0.0 queued\r\n",
        _ => "250 ok\r\n",
    }
}

/// A server that sends `greeting` and answers each command line, without
/// its CRLF, with `script`, and the end of a message with `script(".")`.
/// An empty answer drops the connection; [`SILENT`] sends nothing. A reply
/// starting 354 makes what follows a message, up to its end. The session
/// ends after QUIT. Returns the port and, when the session ends, what the
/// server read.
pub fn scripted(
    greeting: &'static str,
    script: impl Fn(&str) -> &'static str + Send + 'static,
) -> (u16, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("bound").port();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("smtpkit connects");
        let mut writer = stream.try_clone().expect("a second handle");
        let mut reader = BufReader::new(stream);
        let mut seen = String::new();
        if writer.write_all(greeting.as_bytes()).is_err() || greeting.is_empty() {
            return seen;
        }
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return seen;
            }
            seen.push_str(&line);
            let reply = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                script(".")
            } else {
                script(line.trim_end_matches(['\r', '\n']))
            };
            if reply.is_empty() {
                return seen;
            }
            if reply == SILENT {
                continue;
            }
            in_data = reply.starts_with("354");
            if writer.write_all(reply.as_bytes()).is_err() || line.starts_with("QUIT") {
                return seen;
            }
        }
    });
    (port, handle)
}
