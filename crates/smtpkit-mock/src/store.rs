//! The in-memory store of accepted messages, bounded, with a wait for
//! arrivals.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, SystemTime};

use tokio::sync::Notify;

use crate::message::{bare_address, ReceivedMessage};

/// How many messages a store keeps by default.
pub const DEFAULT_STORE_CAPACITY: usize = 10_000;

/// A message as the store keeps it: what the session handed over, when it
/// arrived and an id unique within the store.
#[derive(Debug, Clone)]
pub struct StoredMessage {
    /// The store's id for the message, counting from 1.
    pub id: u64,
    /// When the store took it.
    pub received_at: SystemTime,
    /// The message with its envelope, content, facts and transcript.
    pub message: ReceivedMessage,
}

impl StoredMessage {
    /// True when `address` (compared without regard to case) is one of the
    /// message's recipients.
    pub fn is_for(&self, address: &str) -> bool {
        self.message
            .envelope
            .recipients
            .iter()
            .any(|recipient| bare_address(&recipient.forward_path).eq_ignore_ascii_case(address))
    }
}

/// The messages accepted so far, oldest first, at most `capacity` of them
/// and at most `byte_capacity` octets of content: when full, either the
/// oldest are evicted or the store refuses more, as set at creation.
#[derive(Debug)]
pub struct Store {
    /// The messages and the next id.
    inner: Mutex<Inner>,
    /// Woken at every arrival.
    arrived: Notify,
    /// The most messages kept.
    capacity: usize,
    /// The most octets of content kept.
    byte_capacity: u64,
    /// Evict the oldest message when full, rather than refuse new ones.
    evict_oldest: bool,
}

#[derive(Debug, Default)]
struct Inner {
    /// The messages, oldest first.
    messages: VecDeque<Arc<StoredMessage>>,
    /// Octets of content over all messages.
    bytes: u64,
    /// The id of the last message stored.
    next_id: u64,
    /// Messages evicted so far.
    evicted: u64,
    /// Room held for messages that were promised a place and are not
    /// stored yet: how many, and their octets.
    reserved: (usize, u64),
}

/// The outcome of [`Store::push`].
#[derive(Debug, Clone)]
pub enum Stored {
    /// Stored, after evicting the messages with these ids (oldest first)
    /// to make room, if any.
    Kept {
        /// The message as stored.
        message: Arc<StoredMessage>,
        /// The ids of the messages evicted for it.
        evicted: Vec<u64>,
    },
    /// Refused: the store is full.
    Full,
}

impl Store {
    /// An empty store of at most `capacity` messages and no limit on
    /// octets.
    pub fn new(capacity: usize, evict_oldest: bool) -> Self {
        Self::with_byte_capacity(capacity, u64::MAX, evict_oldest)
    }

    /// An empty store of at most `capacity` messages and `byte_capacity`
    /// octets of content.
    pub fn with_byte_capacity(capacity: usize, byte_capacity: u64, evict_oldest: bool) -> Self {
        Self {
            inner: Mutex::default(),
            arrived: Notify::new(),
            capacity,
            byte_capacity,
            evict_oldest,
        }
    }

    /// True when a message of `size` octets would be refused: it cannot fit
    /// even in an empty store, or the store is full and may not evict.
    /// Room held by [`reserve`](Self::reserve) counts as taken.
    pub fn refuses(&self, size: u64) -> bool {
        self.refuses_within(&self.lock(), size)
    }

    /// Promises a message of `size` octets a place, or refuses it as
    /// [`refuses`](Self::refuses) would. The check and the promise are one
    /// step, so that two sessions cannot both be promised the last place:
    /// a server reserves when it decides to answer 250, and stores the
    /// message with [`Reservation::commit`] before the 250 is written.
    ///
    /// A store that evicts holds no room: the commit evicts what it must.
    ///
    /// ```
    /// use std::sync::Arc;
    ///
    /// use smtpkit_mock::Store;
    ///
    /// let store = Arc::new(Store::new(1, false));
    /// let reservation = store.reserve(10).expect("an empty store has room");
    /// assert!(store.reserve(10).is_none(), "the only place is promised");
    /// drop(reservation);
    /// assert!(store.reserve(10).is_some(), "a reservation dropped frees its place");
    /// ```
    pub fn reserve(self: &Arc<Self>, size: u64) -> Option<Reservation> {
        let mut inner = self.lock();
        if self.refuses_within(&inner, size) {
            return None;
        }
        let held = !self.evict_oldest;
        if held {
            inner.reserved.0 += 1;
            inner.reserved.1 = inner.reserved.1.saturating_add(size);
        }
        Some(Reservation { store: Arc::clone(self), size, held })
    }

    /// Stores a message and wakes whoever waits for one.
    pub fn push(&self, message: ReceivedMessage) -> Stored {
        let inner = self.lock();
        if self.refuses_within(&inner, message.content.len() as u64) {
            return Stored::Full;
        }
        self.insert(inner, message)
    }

    /// The check of [`refuses`](Self::refuses), under a lock already held.
    fn refuses_within(&self, inner: &Inner, size: u64) -> bool {
        if size > self.byte_capacity || self.capacity == 0 {
            return true;
        }
        let count = inner.messages.len().saturating_add(inner.reserved.0);
        let bytes = inner.bytes.saturating_add(inner.reserved.1);
        !self.evict_oldest
            && (count >= self.capacity || bytes.saturating_add(size) > self.byte_capacity)
    }

    /// Stores a message whose place was reserved, evicting the oldest
    /// messages where the store evicts and is full.
    fn insert(&self, mut inner: MutexGuard<'_, Inner>, message: ReceivedMessage) -> Stored {
        let size = message.content.len() as u64;
        let mut evicted = Vec::new();
        // A store that refuses when full held the room at the reservation,
        // so only an evicting store makes room here.
        while self.evict_oldest
            && (inner.messages.len() >= self.capacity
                || inner.bytes.saturating_add(size) > self.byte_capacity)
        {
            let Some(oldest) = inner.messages.pop_front() else { break };
            inner.bytes -= oldest.message.content.len() as u64;
            inner.evicted += 1;
            evicted.push(oldest.id);
        }
        inner.bytes += size;
        inner.next_id += 1;
        let stored =
            Arc::new(StoredMessage { id: inner.next_id, received_at: SystemTime::now(), message });
        inner.messages.push_back(Arc::clone(&stored));
        drop(inner);
        self.arrived.notify_waiters();
        Stored::Kept { message: stored, evicted }
    }

    /// Every message kept, oldest first.
    pub fn messages(&self) -> Vec<Arc<StoredMessage>> {
        self.lock().messages.iter().cloned().collect()
    }

    /// The messages for one recipient, oldest first.
    pub fn mailbox(&self, address: &str) -> Vec<Arc<StoredMessage>> {
        self.lock().messages.iter().filter(|m| m.is_for(address)).cloned().collect()
    }

    /// How many messages were evicted to make room.
    pub fn evicted(&self) -> u64 {
        self.lock().evicted
    }

    /// Removes every message.
    pub fn clear(&self) {
        let mut inner = self.lock();
        inner.messages.clear();
        inner.bytes = 0;
    }

    /// Octets of content kept.
    pub fn bytes(&self) -> u64 {
        self.lock().bytes
    }

    /// Waits until at least `count` kept messages satisfy `matches`, and
    /// returns them, oldest first.
    ///
    /// # Errors
    ///
    /// [`WaitError`] when `timeout` passes first; it lists what did arrive.
    pub async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
        matches: impl Fn(&StoredMessage) -> bool,
    ) -> Result<Vec<Arc<StoredMessage>>, WaitError> {
        let deadline = tokio::time::Instant::now() + timeout;
        loop {
            // Register for the next arrival before looking, so that one
            // arriving in between is not missed.
            let arrival = self.arrived.notified();
            let found: Vec<_> = self.messages().into_iter().filter(|m| matches(m)).collect();
            if found.len() >= count {
                return Ok(found);
            }
            if tokio::time::timeout_at(deadline, arrival).await.is_err() {
                let arrived = self.messages().iter().map(|m| summary(m)).collect();
                return Err(WaitError { wanted: count, matched: found.len(), arrived });
            }
        }
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the queue consistent (every
        // change is a single push or pop), so the data is still good.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

/// A place in a [`Store`] promised to one message by
/// [`Store::reserve`]. Dropping it without [`commit`](Self::commit) gives
/// the place back.
#[derive(Debug)]
pub struct Reservation {
    /// The store that promised the place.
    store: Arc<Store>,
    /// The octets promised.
    size: u64,
    /// True when the store holds room for it (a store that refuses when
    /// full); false when the commit evicts instead.
    held: bool,
}

impl Reservation {
    /// Stores `message` in the place promised, and wakes whoever waits for
    /// one. The message should be the size reserved; one larger still
    /// goes in, past the store's limit in octets, since its 250 was
    /// promised.
    pub fn commit(mut self, message: ReceivedMessage) -> Stored {
        let held = std::mem::replace(&mut self.held, false);
        let store = Arc::clone(&self.store);
        let mut inner = store.lock();
        if held {
            inner.give_back(self.size);
        }
        store.insert(inner, message)
    }
}

impl Drop for Reservation {
    fn drop(&mut self) {
        if self.held {
            self.store.lock().give_back(self.size);
        }
    }
}

impl Inner {
    /// Frees the room held for one message of `size` octets.
    fn give_back(&mut self, size: u64) {
        self.reserved.0 = self.reserved.0.saturating_sub(1);
        self.reserved.1 = self.reserved.1.saturating_sub(size);
    }
}

/// A wait for messages ran out of time.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("waited for {wanted} matching messages, {matched} arrived; all messages: [{}]", arrived.join("; "))]
pub struct WaitError {
    /// How many were wanted.
    pub wanted: usize,
    /// How many matched.
    pub matched: usize,
    /// A line for each message that did arrive, matching or not.
    pub arrived: Vec<String>,
}

/// One line about a message: id, sender, recipients, size.
pub fn summary(message: &StoredMessage) -> String {
    let envelope = &message.message.envelope;
    let to: Vec<String> = envelope.recipients.iter().map(|r| r.forward_path.to_string()).collect();
    format!(
        "#{} from {} to {} ({} octets)",
        message.id,
        envelope.reverse_path,
        to.join(", "),
        message.message.content.len()
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Event, Session, SessionConfig};

    /// A message whose content is `line` and CRLF, as a session emits it.
    fn message(line: &str) -> ReceivedMessage {
        let mut session = Session::new(SessionConfig::default(), "peer").expect("a session");
        session.receive(b"HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n");
        session.receive(format!("DATA\r\n{line}\r\n.\r\n").as_bytes());
        let message = session.events().find_map(|event| match event {
            Event::MessageReceived(message) => Some(*message),
            _ => None,
        });
        message.expect("a message")
    }

    #[test]
    fn a_store_that_refuses_counts_reserved_places_as_taken() {
        let store = Arc::new(Store::new(2, false));
        let held = store.reserve(5).expect("room");
        assert!(matches!(store.push(message("one")), Stored::Kept { .. }));
        assert!(matches!(store.push(message("two")), Stored::Full));
        assert!(matches!(held.commit(message("six")), Stored::Kept { .. }));
        let contents: Vec<Vec<u8>> =
            store.messages().iter().map(|m| m.message.content.clone()).collect();
        assert_eq!(contents, [b"one\r\n".to_vec(), b"six\r\n".to_vec()]);
    }

    #[test]
    fn a_dropped_reservation_gives_its_octets_back() {
        let store = Arc::new(Store::with_byte_capacity(10, 10, false));
        let held = store.reserve(8).expect("room");
        assert!(store.reserve(5).is_none());
        drop(held);
        assert!(store.reserve(5).is_some());
        assert_eq!(store.bytes(), 0);
    }

    #[test]
    fn an_evicting_store_makes_room_when_the_reservation_commits() {
        let store = Arc::new(Store::new(1, true));
        let first = store.reserve(5).expect("room");
        let second = store.reserve(5).expect("an evicting store always has room");
        assert!(matches!(first.commit(message("one")), Stored::Kept { .. }));
        let Stored::Kept { evicted, .. } = second.commit(message("two")) else {
            panic!("a reserved place is kept");
        };
        assert_eq!(evicted, [1]);
        assert_eq!(store.messages()[0].message.content, b"two\r\n");
    }
}
