//! The in-memory store of accepted messages, bounded, with a wait for
//! arrivals.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex, PoisonError};
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
    pub fn refuses(&self, size: u64) -> bool {
        if size > self.byte_capacity || self.capacity == 0 {
            return true;
        }
        let inner = self.lock();
        !self.evict_oldest
            && (inner.messages.len() >= self.capacity
                || inner.bytes.saturating_add(size) > self.byte_capacity)
    }

    /// Stores a message and wakes whoever waits for one.
    pub fn push(&self, message: ReceivedMessage) -> Stored {
        let size = message.content.len() as u64;
        if self.refuses(size) {
            return Stored::Full;
        }
        let mut inner = self.lock();
        let mut evicted = Vec::new();
        while inner.messages.len() >= self.capacity
            || inner.bytes.saturating_add(size) > self.byte_capacity
        {
            // Only an evicting store gets here full (see `refuses`).
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

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves the queue consistent (every
        // change is a single push or pop), so the data is still good.
        self.inner.lock().unwrap_or_else(PoisonError::into_inner)
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
