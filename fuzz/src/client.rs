//! The client against a server that answers with the fuzzer's bytes.
//!
//! The client runs over an in-memory stream whose reads hand out the
//! fuzzer's bytes in pieces of its chosen lengths and then report the end
//! of the stream; every write succeeds and is kept. Time is paused, so a
//! deadline that the client waits for passes at once instead of hanging
//! the run. Whatever the server says, the client must not panic, must
//! finish, and must write nothing but well-formed commands and the
//! dot-stuffed or chunked message it was asked to send.

use std::io;
use std::pin::Pin;
use std::sync::{Arc, Mutex};
use std::task::{Context, Poll};

use smtpkit_client::{Client, ClientConfig, Envelope};
use smtpkit_codec::{
    encode_data, parse_command, Command, CommandOptions, ForwardPath, Host, ReversePath, Status,
};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};

use crate::{show, Chunked};

/// The message every run sends: a header, a line that must be stuffed and
/// one that must not.
const MESSAGE: &[u8] = b"Subject: fuzz\r\n\r\n.hidden\r\nshown\r\n";

/// Runs a client session against the server bytes of `input` and checks
/// everything the client wrote.
pub fn client(input: &Chunked<'_>) {
    let written = run_client(input.pieces());
    check_written(&written);
}

/// A byte stream whose reads return `pieces` in turn and whose writes are
/// appended to `written`.
struct ScriptedServer {
    /// What is left to read, in the order it arrives.
    pieces: std::collections::VecDeque<Vec<u8>>,
    /// Everything the client wrote.
    written: Arc<Mutex<Vec<u8>>>,
}

impl AsyncRead for ScriptedServer {
    fn poll_read(
        mut self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        // An empty piece would read as the end of the stream; skip them.
        while self.pieces.front().is_some_and(Vec::is_empty) {
            self.pieces.pop_front();
        }
        if let Some(piece) = self.pieces.front_mut() {
            let n = piece.len().min(buf.remaining());
            buf.put_slice(&piece[..n]);
            piece.drain(..n);
        }
        Poll::Ready(Ok(()))
    }
}

impl AsyncWrite for ScriptedServer {
    fn poll_write(
        self: Pin<&mut Self>,
        _: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        self.written.lock().expect("no writer panicked").extend_from_slice(buf);
        Poll::Ready(Ok(buf.len()))
    }

    fn poll_flush(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }

    fn poll_shutdown(self: Pin<&mut Self>, _: &mut Context<'_>) -> Poll<io::Result<()>> {
        Poll::Ready(Ok(()))
    }
}

/// Greets, sends the message with `send` and again with BDAT, resets,
/// and quits, going on after every error; returns what the client wrote.
fn run_client(pieces: Vec<&[u8]>) -> Vec<u8> {
    let written = Arc::new(Mutex::new(Vec::new()));
    let server = ScriptedServer {
        pieces: pieces.into_iter().map(<[u8]>::to_vec).collect(),
        written: Arc::clone(&written),
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .start_paused(true)
        .build()
        .expect("a current-thread runtime");
    runtime.block_on(async move {
        let Ok(mut client) = Client::from_stream(server, ClientConfig::default()).await else {
            return;
        };
        let name = Host::new("client.example").expect("a valid name");
        let _ = client.ehlo(&name).await;
        let envelope = Envelope {
            reverse_path: ReversePath::Mailbox("hoge@example.net".parse().expect("valid")),
            parameters: Default::default(),
            recipients: ["fuga@example.net", "piyo@example.org"]
                .into_iter()
                .map(|to| (ForwardPath::Mailbox(to.parse().expect("valid")), Default::default()))
                .collect(),
        };
        let _ = client.send(&envelope, MESSAGE).await;
        let _ = client.rset().await;
        let _ = client.bdat(MESSAGE).await;
        let _ = client.noop().await;
        let _ = client.quit().await;
    });
    let written = written.lock().expect("no writer panicked");
    written.clone()
}

/// Walks what the client wrote: commands that parse, each DATA followed by
/// the message's wire form or an empty one, each BDAT by its octets.
fn check_written(written: &[u8]) {
    let options = CommandOptions::default();
    let message = encode_data(MESSAGE);
    let mut rest = written;
    while !rest.is_empty() {
        let (command, consumed) = match parse_command(rest, &options) {
            Ok(Status::Complete { value, consumed }) => (value, consumed),
            other => panic!("the client wrote {}, not a command: {other:?}", show(rest)),
        };
        rest = &rest[consumed..];
        match command {
            Command::Data => {
                if let Some(after) = rest.strip_prefix(&message[..]) {
                    rest = after;
                } else if let Some(after) = rest.strip_prefix(b".\r\n") {
                    rest = after;
                } else if message.starts_with(rest) {
                    // The client stopped in the middle of the message.
                    rest = &[];
                }
            }
            Command::Bdat { size, .. } => {
                let size = usize::try_from(size).expect("a chunk the client wrote fits memory");
                assert!(size <= rest.len(), "BDAT {size} with {} octets after it", rest.len());
                rest = &rest[size..];
            }
            _ => {}
        }
    }
}
