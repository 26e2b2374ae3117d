//! A scripted SMTP server on 127.0.0.1 for the command line's tests: it
//! answers one session with fixed replies and returns what it read.

use std::io::{BufRead, BufReader, Write};
use std::net::TcpListener;
use std::thread::{self, JoinHandle};

/// A server that answers one session: `rcpt` is the reply to every RCPT.
/// Returns its port and, when the session ends, what it read.
pub fn server(rcpt: &'static str) -> (u16, JoinHandle<String>) {
    let listener = TcpListener::bind("127.0.0.1:0").expect("a loopback port");
    let port = listener.local_addr().expect("bound").port();
    let handle = thread::spawn(move || {
        let (stream, _) = listener.accept().expect("smtpkit connects");
        let mut writer = stream.try_clone().expect("a second handle");
        let mut reader = BufReader::new(stream);
        let mut seen = String::new();
        writer.write_all(b"220 mx.example ready\r\n").expect("greeting");
        let mut in_data = false;
        loop {
            let mut line = String::new();
            if reader.read_line(&mut line).unwrap_or(0) == 0 {
                return seen;
            }
            seen.push_str(&line);
            let reply: &str = if in_data {
                if line != ".\r\n" {
                    continue;
                }
                in_data = false;
                "250 2.0.0 queued\r\n"
            } else {
                match line.get(..4).unwrap_or("") {
                    "EHLO" => "250-mx.example\r\n250 PIPELINING\r\n",
                    "RCPT" => rcpt,
                    "DATA" => {
                        in_data = true;
                        "354 go ahead\r\n"
                    }
                    "QUIT" => {
                        let _ = writer.write_all(b"221 bye\r\n");
                        return seen;
                    }
                    _ => "250 ok\r\n",
                }
            };
            writer.write_all(reply.as_bytes()).expect("reply");
        }
    });
    (port, handle)
}
