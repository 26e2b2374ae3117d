//! The transcript of a session: what the client sent and the server
//! replied, in order, bounded in size.

use std::collections::VecDeque;
use std::fmt;

/// The most octets a [`Transcript`] keeps, both directions together: 64
/// KiB. The first 4 KiB hold the start of the session (the greeting and
/// EHLO), the rest its most recent bytes; what falls between is counted,
/// not kept, so that a long session or a large message cannot make the
/// transcript grow without bound, and a message's transcript still shows
/// its own transaction.
pub const TRANSCRIPT_LIMIT: usize = 64 * 1024;

/// Octets of the session's start that are kept.
const HEAD_LIMIT: usize = 4 * 1024;

/// Octets of the session's most recent bytes that are kept.
const TAIL_LIMIT: usize = TRANSCRIPT_LIMIT - HEAD_LIMIT;

/// Who sent the bytes of a transcript entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Direction {
    /// The client sent them to the server.
    Client,
    /// The server sent them to the client.
    Server,
}

/// The bytes a session exchanged, as a list of turns: each entry holds the
/// bytes one side sent before the other side's next bytes.
///
/// The transcript keeps the start of the session and its most recent
/// bytes, [`TRANSCRIPT_LIMIT`] octets in all; its rendering marks where
/// bytes were left out, and how many.
///
/// ```
/// use smtpkit_mock::{Direction, Transcript};
///
/// let mut transcript = Transcript::new();
/// transcript.record(Direction::Client, b"NOOP\r\n");
/// transcript.record(Direction::Server, b"250 2.0.0 ok\r\n");
/// assert_eq!(transcript.to_string(), "C: NOOP\nS: 250 2.0.0 ok\n");
/// assert!(!transcript.is_truncated());
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash)]
pub struct Transcript {
    /// The first turns, up to [`HEAD_LIMIT`] octets, each with whether it
    /// went over TLS.
    head: Vec<Turn>,
    /// Octets in `head`.
    head_len: usize,
    /// The most recent turns, up to [`TAIL_LIMIT`] octets.
    tail: VecDeque<Turn>,
    /// Octets in `tail`.
    tail_len: usize,
    /// Octets left out between head and tail.
    omitted: u64,
    /// True once the head takes no more bytes.
    head_closed: bool,
    /// True once the session runs over TLS: later turns are marked.
    tls: bool,
}

/// One turn: who sent it, whether over TLS, and the bytes.
type Turn = (Direction, bool, Vec<u8>);

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes sent in `direction`, joining them to the last entry
    /// when that one went the same way.
    pub fn record(&mut self, direction: Direction, mut bytes: &[u8]) {
        if !self.head_closed {
            let take = bytes.len().min(HEAD_LIMIT - self.head_len);
            if take > 0 {
                push(&mut self.head, direction, self.tls, &bytes[..take]);
                self.head_len += take;
            }
            bytes = &bytes[take..];
            if !bytes.is_empty() {
                self.head_closed = true;
            }
        }
        if bytes.is_empty() {
            return;
        }

        // More than the tail holds at once: only its end can stay.
        if bytes.len() > TAIL_LIMIT {
            self.omitted += (bytes.len() - TAIL_LIMIT) as u64;
            bytes = &bytes[bytes.len() - TAIL_LIMIT..];
        }
        match self.tail.back_mut() {
            Some((last, tls, turn)) if *last == direction && *tls == self.tls => {
                turn.extend_from_slice(bytes);
            }
            _ => self.tail.push_back((direction, self.tls, bytes.to_vec())),
        }
        self.tail_len += bytes.len();
        while self.tail_len > TAIL_LIMIT {
            let excess = self.tail_len - TAIL_LIMIT;
            let Some((_, _, front)) = self.tail.front_mut() else { break };
            let cut = excess.min(front.len());
            front.drain(..cut);
            if front.is_empty() {
                self.tail.pop_front();
            }
            self.tail_len -= cut;
            self.omitted += cut as u64;
        }
    }

    /// Forgets the recent bytes, counting them as left out, so that what is
    /// recorded next follows the start of the session directly. A session
    /// calls this after each message, so that every message carries the
    /// start of its session and its own transaction rather than all the
    /// messages before it.
    pub fn forget_recent(&mut self) {
        self.omitted += self.tail_len as u64;
        self.tail.clear();
        self.tail_len = 0;
        // From here on, new bytes go to the tail, never back to the head.
        self.head_closed = true;
    }

    /// Marks every turn from now on as sent over TLS.
    pub fn start_tls(&mut self) {
        self.tls = true;
    }

    /// The turns kept, in order: the start of the session, then its most
    /// recent bytes.
    pub fn entries(&self) -> impl Iterator<Item = (Direction, &[u8])> {
        self.entries_with_tls().map(|(direction, _, bytes)| (direction, bytes))
    }

    /// The turns kept, in order, each with whether it went over TLS.
    pub fn entries_with_tls(&self) -> impl Iterator<Item = (Direction, bool, &[u8])> {
        self.head.iter().chain(self.tail.iter()).map(|(d, tls, bytes)| (*d, *tls, bytes.as_slice()))
    }

    /// Octets kept, over all entries.
    pub fn len(&self) -> usize {
        self.head_len + self.tail_len
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len() == 0 && self.omitted == 0
    }

    /// True when bytes were left out.
    pub fn is_truncated(&self) -> bool {
        self.omitted > 0
    }

    /// Octets left out between the start and the most recent bytes.
    pub fn omitted(&self) -> u64 {
        self.omitted
    }
}

/// Adds bytes to a list of turns, joining them to the last turn when it
/// went the same way.
fn push(turns: &mut Vec<Turn>, direction: Direction, tls: bool, bytes: &[u8]) {
    match turns.last_mut() {
        Some((last, last_tls, turn)) if *last == direction && *last_tls == tls => {
            turn.extend_from_slice(bytes);
        }
        _ => turns.push((direction, tls, bytes.to_vec())),
    }
}

/// One line per line sent, prefixed `C: ` or `S: ` (`C~ ` or `S~ ` over
/// TLS), with CRLF taken off,
/// every other byte outside printable ASCII escaped, and a line
/// `[… N octets not kept]` where bytes were left out.
impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let turns = |f: &mut fmt::Formatter<'_>, turns: &mut dyn Iterator<Item = &Turn>| {
            for (direction, tls, bytes) in turns {
                let prefix = match (direction, tls) {
                    (Direction::Client, false) => "C: ",
                    (Direction::Server, false) => "S: ",
                    (Direction::Client, true) => "C~ ",
                    (Direction::Server, true) => "S~ ",
                };
                for line in bytes.split_inclusive(|&b| b == b'\n') {
                    let line = line.strip_suffix(b"\r\n").unwrap_or(line);
                    writeln!(f, "{prefix}{}", line.escape_ascii())?;
                }
            }
            Ok(())
        };
        turns(f, &mut self.head.iter())?;
        if self.omitted > 0 {
            writeln!(f, "[… {} octets not kept]", self.omitted)?;
        }
        turns(f, &mut self.tail.iter())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn turns_of_one_side_are_joined() {
        let mut transcript = Transcript::new();
        for (direction, bytes) in [
            (Direction::Client, &b"NO"[..]),
            (Direction::Client, b"OP\r\n"),
            (Direction::Server, b"250 ok\r\n"),
            (Direction::Client, b""),
            (Direction::Client, b"QUIT\r\n"),
        ] {
            transcript.record(direction, bytes);
        }
        let entries: Vec<(Direction, &[u8])> = transcript.entries().collect();
        assert_eq!(
            entries,
            [
                (Direction::Client, &b"NOOP\r\n"[..]),
                (Direction::Server, b"250 ok\r\n"),
                (Direction::Client, b"QUIT\r\n"),
            ]
        );
    }

    #[test]
    fn transcript_keeps_the_start_and_the_latest_bytes_and_counts_the_rest() {
        let mut transcript = Transcript::new();
        transcript.record(Direction::Server, b"220 hello\r\n");
        transcript.record(Direction::Client, &vec![b'a'; TRANSCRIPT_LIMIT * 2]);
        transcript.record(Direction::Server, b"250 latest\r\n");
        assert_eq!(transcript.len(), TRANSCRIPT_LIMIT);
        let recorded = 11 + TRANSCRIPT_LIMIT * 2 + 12;
        assert_eq!(transcript.omitted(), (recorded - TRANSCRIPT_LIMIT) as u64);
        let text = transcript.to_string();
        assert!(text.starts_with("S: 220 hello\nC: aaa"), "{}", &text[..40]);
        assert!(text.contains("octets not kept]\nC: aaa"));
        assert!(text.ends_with("S: 250 latest\n"));
    }

    #[test]
    fn forgetting_the_recent_bytes_keeps_the_start_and_marks_the_gap() {
        let mut transcript = Transcript::new();
        transcript.record(Direction::Server, b"220 hello\r\n");
        transcript.forget_recent();
        transcript.record(Direction::Client, b"first message\r\n");
        transcript.forget_recent();
        transcript.record(Direction::Client, b"second message\r\n");
        assert_eq!(
            transcript.to_string(),
            "S: 220 hello\n[… 15 octets not kept]\nC: second message\n"
        );
    }

    #[test]
    fn turns_after_tls_starts_are_marked() {
        let mut transcript = Transcript::new();
        transcript.record(Direction::Client, b"STARTTLS\r\n");
        transcript.record(Direction::Server, b"220 go\r\n");
        transcript.start_tls();
        transcript.record(Direction::Server, b"");
        transcript.record(Direction::Client, b"EHLO x\r\n");
        assert_eq!(transcript.to_string(), "C: STARTTLS\nS: 220 go\nC~ EHLO x\n");
        let tls: Vec<bool> = transcript.entries_with_tls().map(|(_, tls, _)| tls).collect();
        assert_eq!(tls, [false, false, true]);
    }

    #[test]
    fn rendering_escapes_control_bytes_and_splits_lines() {
        let mut transcript = Transcript::new();
        transcript.record(Direction::Client, b"a\x00b\nc\r\n");
        assert_eq!(transcript.to_string(), "C: a\\x00b\\n\nC: c\n");
    }
}
