//! The transcript of a session: what the client sent and the server
//! replied, in order, bounded in size.

use std::fmt;

/// The most octets a [`Transcript`] keeps, both directions together: 64
/// KiB. What comes after is counted, not kept, so that a long session or
/// a large message cannot make the transcript grow without bound.
pub const TRANSCRIPT_LIMIT: usize = 64 * 1024;

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
/// The transcript keeps the first [`TRANSCRIPT_LIMIT`] octets; once it is
/// full it only counts what it leaves out, and its rendering ends with a
/// marker that says how much that was.
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
    /// The turns, each with at least one byte.
    entries: Vec<(Direction, Vec<u8>)>,
    /// Octets kept over all entries.
    len: usize,
    /// Octets left out because the limit was reached.
    omitted: u64,
}

impl Transcript {
    /// An empty transcript.
    pub fn new() -> Self {
        Self::default()
    }

    /// Appends bytes sent in `direction`, joining them to the last entry
    /// when that one went the same way.
    pub fn record(&mut self, direction: Direction, bytes: &[u8]) {
        // TODO: only the head of a session is kept, so in a long session
        // the transcripts of later messages end before those messages;
        // keeping the head and the most recent tail would show both.
        let room = TRANSCRIPT_LIMIT - self.len;
        let (kept, left) = bytes.split_at(bytes.len().min(room));
        self.omitted += left.len() as u64;
        if kept.is_empty() {
            return;
        }

        self.len += kept.len();
        match self.entries.last_mut() {
            Some((last, turn)) if *last == direction => turn.extend_from_slice(kept),
            _ => self.entries.push((direction, kept.to_vec())),
        }
    }

    /// The turns in order.
    pub fn entries(&self) -> &[(Direction, Vec<u8>)] {
        &self.entries
    }

    /// Octets kept, over all entries.
    pub fn len(&self) -> usize {
        self.len
    }

    /// True when nothing was recorded.
    pub fn is_empty(&self) -> bool {
        self.len == 0 && self.omitted == 0
    }

    /// True when the limit was reached and bytes were left out.
    pub fn is_truncated(&self) -> bool {
        self.omitted > 0
    }

    /// Octets left out after the limit was reached.
    pub fn omitted(&self) -> u64 {
        self.omitted
    }
}

/// One line per line sent, prefixed `C: ` or `S: `, with CRLF taken off,
/// every other byte outside printable ASCII escaped, and a last line
/// `[… N octets not kept]` when the transcript was truncated.
impl fmt::Display for Transcript {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (direction, bytes) in &self.entries {
            let prefix = match direction {
                Direction::Client => "C: ",
                Direction::Server => "S: ",
            };
            for line in bytes.split_inclusive(|&b| b == b'\n') {
                let line = line.strip_suffix(b"\r\n").unwrap_or(line);
                writeln!(f, "{prefix}{}", line.escape_ascii())?;
            }
        }
        if self.omitted > 0 {
            writeln!(f, "[… {} octets not kept]", self.omitted)?;
        }
        Ok(())
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
        assert_eq!(
            transcript.entries(),
            &[
                (Direction::Client, b"NOOP\r\n".to_vec()),
                (Direction::Server, b"250 ok\r\n".to_vec()),
                (Direction::Client, b"QUIT\r\n".to_vec()),
            ]
        );
    }

    #[test]
    fn transcript_keeps_the_limit_and_counts_the_rest() {
        let mut transcript = Transcript::new();
        transcript.record(Direction::Client, &vec![b'a'; TRANSCRIPT_LIMIT - 1]);
        transcript.record(Direction::Server, b"250 ok\r\n");
        transcript.record(Direction::Client, b"more");
        assert_eq!(transcript.len(), TRANSCRIPT_LIMIT);
        assert_eq!(transcript.omitted(), 11);
        assert!(transcript.to_string().ends_with("S: 2\n[… 11 octets not kept]\n"));
    }

    #[test]
    fn rendering_escapes_control_bytes_and_splits_lines() {
        let mut transcript = Transcript::new();
        transcript.record(Direction::Client, b"a\x00b\nc\r\n");
        assert_eq!(transcript.to_string(), "C: a\\x00b\\n\nC: c\n");
    }
}
