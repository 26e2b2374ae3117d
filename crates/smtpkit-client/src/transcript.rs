//! Both directions of a session, as the bytes went over the wire, bounded.

use std::collections::VecDeque;

/// The octets of transcript a client keeps by default.
pub const TRANSCRIPT_LIMIT: usize = 256 * 1024;

/// Which way bytes went.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Direction {
    /// From the client to the server.
    Sent,
    /// From the server to the client.
    Received,
}

/// The bytes of a session in order, each write or read an entry. When the
/// total passes the limit, the oldest entries are dropped, and
/// [`dropped`](Transcript::dropped) counts their octets.
#[derive(Debug, Clone)]
pub struct Transcript {
    /// The entries, oldest first.
    entries: VecDeque<(Direction, bool, Vec<u8>)>,
    /// Octets held.
    len: usize,
    /// Octets dropped to stay within the limit.
    dropped: u64,
    /// The most octets held.
    limit: usize,
    /// True once the session runs over TLS: later entries are marked.
    tls: bool,
}

impl Transcript {
    /// An empty transcript keeping at most `limit` octets.
    pub fn new(limit: usize) -> Self {
        Self { entries: VecDeque::new(), len: 0, dropped: 0, limit, tls: false }
    }

    /// Records bytes, joining them to the last entry if it went the same
    /// way.
    pub fn push(&mut self, direction: Direction, bytes: &[u8]) {
        let bytes = &bytes[bytes.len().saturating_sub(self.limit)..];
        match self.entries.back_mut() {
            Some((last, tls, entry)) if *last == direction && *tls == self.tls => {
                entry.extend_from_slice(bytes);
            }
            _ => self.entries.push_back((direction, self.tls, bytes.to_vec())),
        }
        self.len += bytes.len();
        while self.len > self.limit {
            let Some((_, _, oldest)) = self.entries.pop_front() else { break };
            self.len -= oldest.len();
            self.dropped += oldest.len() as u64;
        }
    }

    /// Marks every entry from now on as sent or received over TLS.
    pub fn start_tls(&mut self) {
        self.tls = true;
    }

    /// The entries, oldest first.
    pub fn entries(&self) -> impl Iterator<Item = (Direction, &[u8])> {
        self.entries.iter().map(|(direction, _, bytes)| (*direction, bytes.as_slice()))
    }

    /// The entries, oldest first, each with whether it went over TLS.
    pub fn entries_with_tls(&self) -> impl Iterator<Item = (Direction, bool, &[u8])> {
        self.entries.iter().map(|(direction, tls, bytes)| (*direction, *tls, bytes.as_slice()))
    }

    /// Octets dropped from the start to stay within the limit.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }

    /// The transcript as text, each line prefixed with `-> ` when sent and
    /// `<- ` when received, or `~> ` and `<~ ` over TLS, as swaks shows it.
    pub fn render(&self) -> String {
        let mut out = String::new();
        for (direction, tls, bytes) in self.entries_with_tls() {
            let arrow = match (direction, tls) {
                (Direction::Sent, false) => "-> ",
                (Direction::Received, false) => "<- ",
                (Direction::Sent, true) => "~> ",
                (Direction::Received, true) => "<~ ",
            };
            for line in String::from_utf8_lossy(bytes).split_inclusive('\n') {
                out.push_str(arrow);
                out.push_str(line.trim_end_matches(['\r', '\n']));
                out.push('\n');
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn entries_of_the_same_direction_are_joined() {
        let mut transcript = Transcript::new(1024);
        transcript.push(Direction::Received, b"220 hi\r\n");
        transcript.push(Direction::Sent, b"EHLO a\r\n");
        transcript.push(Direction::Sent, b"QUIT\r\n");
        assert_eq!(transcript.entries().count(), 2);
        assert_eq!(transcript.render(), "<- 220 hi\n-> EHLO a\n-> QUIT\n");
    }

    #[test]
    fn the_oldest_entries_go_first_past_the_limit() {
        let mut transcript = Transcript::new(10);
        transcript.push(Direction::Received, b"12345");
        transcript.push(Direction::Sent, b"67890");
        transcript.push(Direction::Received, b"abc");
        assert_eq!(transcript.dropped(), 5);
        let kept: Vec<&[u8]> = transcript.entries().map(|(_, b)| b).collect();
        assert_eq!(kept, [&b"67890"[..], b"abc"]);
    }
}
