//! The tokio layer: a listener that accepts connections within a limit,
//! and a task per connection that moves bytes between the socket and a
//! [`Session`], applies the command and message deadlines, and hands
//! accepted messages
//! to the [`Store`].

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::Duration;

use smtpkit_codec::{EnhancedStatusCode, Reply, ReplyClass, ReplyCode};
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::{watch, Semaphore};
use tokio::task::{JoinHandle, JoinSet};
use tracing::{debug, info, warn};

use crate::config::{AuthMode, SessionConfig};
use crate::maildir::Maildirs;
use crate::policy::{AcceptAll, Decision, Phase, Policy};
use crate::rules::{Rule, RuleGuard, Rules, VerifyError};
use crate::session::{Event, Session, SessionSetup};
use crate::store::{
    summary, Reservation, Store, Stored, StoredMessage, WaitError, DEFAULT_STORE_CAPACITY,
};
use crate::tls::{ServerTls, Tls, TlsFacts};
use crate::transcript::Direction;

/// How many sessions may be open at once by default.
pub const DEFAULT_CONNECTION_LIMIT: usize = 100;

/// How long a command may take by default, from its first byte to its
/// reply (RFC 5321 §4.5.3.2 gives servers five minutes).
pub const DEFAULT_COMMAND_DEADLINE: Duration = Duration::from_secs(300);

/// How long the content of one message may take to arrive by default,
/// from the first octet after DATA (or of its first BDAT chunk) to its
/// end.
/// RFC 5321 §4.5.3.2.6 has a client wait 10 minutes for the reply to the
/// end of data; the server gives the data itself as long, so that a
/// client trickling a few octets at a time cannot hold a session forever.
pub const DEFAULT_DATA_DEADLINE: Duration = Duration::from_secs(600);

/// How long a shutdown waits for open sessions to say 421 and close
/// before it cuts them off: a client that reads nothing must not hold the
/// server up.
pub const SHUTDOWN_GRACE: Duration = Duration::from_secs(5);

/// Makes the policy of each new session.
pub type PolicyFactory = Arc<dyn Fn() -> Box<dyn Policy> + Send + Sync>;

/// Sees the bytes of every session: its number, which way they went, and
/// the bytes. The client's bytes are those its session read, as its
/// transcript records them: a command line once it is whole, and an AUTH
/// secret as `<redacted>`. Bytes the session discards unread are not
/// shown: plaintext after its 220 to STARTTLS, anything after it closed,
/// and a line left unfinished at shutdown.
pub type IoObserver = Arc<dyn Fn(u64, Direction, &[u8]) + Send + Sync>;

/// Sees every stored message, with the ids of the messages evicted to make
/// room for it (oldest first; usually none).
pub type MessageObserver = Arc<dyn Fn(&StoredMessage, &[u64]) + Send + Sync>;

/// Sees every failed TLS handshake: the session's number and why it
/// failed (an untrusted or expired certificate on the client's side, a
/// client that went on in plaintext, a dropped connection, a timeout).
pub type TlsFailureObserver = Arc<dyn Fn(u64, &str) + Send + Sync>;

/// Settings of a [`MockServer`]; start it with [`start`](Self::start).
#[derive(Clone)]
pub struct MockServerBuilder {
    /// Where to listen; 127.0.0.1 with a free port by default.
    listen: SocketAddr,
    /// What each session offers and its limits.
    session: SessionConfig,
    /// Sessions open at once; more get 421 4.7.0.
    connection_limit: usize,
    /// How long one command may take.
    command_deadline: Duration,
    /// How long the content of one message may take.
    data_deadline: Duration,
    /// Messages kept.
    store_capacity: usize,
    /// Octets of content kept.
    store_bytes: u64,
    /// Evict the oldest message when full rather than answer 452 4.3.1.
    evict_oldest: bool,
    /// Makes each session's policy.
    policy: PolicyFactory,
    /// Sees every session's bytes.
    on_io: Option<IoObserver>,
    /// Sees every stored message.
    on_message: Option<MessageObserver>,
    /// Sees every failed TLS handshake.
    on_tls_failure: Option<TlsFailureObserver>,
    /// Scripted replies, shared by the sessions.
    rules: Rules,
    /// Where accepted messages are also delivered, if anywhere.
    maildirs: Option<Arc<Maildirs>>,
    /// The certificate for STARTTLS and implicit TLS, if any.
    tls: Option<Tls>,
    /// Where to listen for implicit TLS, if anywhere.
    implicit_tls: Option<SocketAddr>,
    /// Refuse MAIL until the session runs over TLS.
    require_tls: bool,
    /// Whom AUTH lets in, when set apart from the session settings.
    auth: Option<AuthMode>,
    /// Offer AUTH without TLS on loopback, when set apart.
    auth_without_tls_on_loopback: Option<bool>,
    /// The TLS configuration made from `tls` at start.
    server_tls: Option<ServerTls>,
}

impl std::fmt::Debug for MockServerBuilder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("MockServerBuilder")
            .field("listen", &self.listen)
            .field("session", &self.session)
            .field("connection_limit", &self.connection_limit)
            .field("command_deadline", &self.command_deadline)
            .field("data_deadline", &self.data_deadline)
            .field("store_capacity", &self.store_capacity)
            .field("evict_oldest", &self.evict_oldest)
            .field("tls", &self.tls)
            .field("implicit_tls", &self.implicit_tls)
            .finish_non_exhaustive()
    }
}

impl Default for MockServerBuilder {
    fn default() -> Self {
        Self {
            listen: SocketAddr::from(([127, 0, 0, 1], 0)),
            session: SessionConfig::default(),
            connection_limit: DEFAULT_CONNECTION_LIMIT,
            command_deadline: DEFAULT_COMMAND_DEADLINE,
            data_deadline: DEFAULT_DATA_DEADLINE,
            store_capacity: DEFAULT_STORE_CAPACITY,
            store_bytes: u64::MAX,
            evict_oldest: false,
            policy: Arc::new(|| Box::new(AcceptAll)),
            on_io: None,
            on_message: None,
            on_tls_failure: None,
            rules: Rules::default(),
            maildirs: None,
            tls: None,
            implicit_tls: None,
            require_tls: false,
            auth: None,
            auth_without_tls_on_loopback: None,
            server_tls: None,
        }
    }
}

impl MockServerBuilder {
    /// Listens on `addr` instead of 127.0.0.1 with a free port.
    pub fn listen(mut self, addr: SocketAddr) -> Self {
        self.listen = addr;
        self
    }

    /// Sets what each session offers and its limits.
    pub fn session(mut self, config: SessionConfig) -> Self {
        self.session = config;
        self
    }

    /// Sets how many sessions may be open at once.
    pub fn connection_limit(mut self, limit: usize) -> Self {
        self.connection_limit = limit;
        self
    }

    /// Sets how long one command may take before 421 4.4.2.
    pub fn command_deadline(mut self, deadline: Duration) -> Self {
        self.command_deadline = deadline;
        self
    }

    /// Sets how long the content of one message may take to arrive, from
    /// the first octet after DATA, or of its first BDAT chunk, to its end,
    /// however steadily it comes; when it passes, the client gets 421 4.4.2 and
    /// nothing of the message is stored. Default
    /// [`DEFAULT_DATA_DEADLINE`].
    pub fn data_deadline(mut self, deadline: Duration) -> Self {
        self.data_deadline = deadline;
        self
    }

    /// Sets how many messages the store keeps, and whether a full store
    /// evicts its oldest message (otherwise it answers 452 4.3.1).
    pub fn store_capacity(mut self, capacity: usize, evict_oldest: bool) -> Self {
        self.store_capacity = capacity;
        self.evict_oldest = evict_oldest;
        self
    }

    /// Sets how many octets of content the store keeps (no limit by
    /// default); a full store evicts or refuses as set by
    /// [`store_capacity`](Self::store_capacity).
    pub fn store_bytes(mut self, octets: u64) -> Self {
        self.store_bytes = octets;
        self
    }

    /// Sets the policy of every session, made anew for each.
    pub fn policy(mut self, factory: impl Fn() -> Box<dyn Policy> + Send + Sync + 'static) -> Self {
        self.policy = Arc::new(factory);
        self
    }

    /// Adds a scripted reply; rules are tried in the order added, before
    /// the policy.
    pub fn rule(self, rule: Rule) -> Self {
        self.rules.add(rule);
        self
    }

    /// Also delivers every accepted message into a Maildir per recipient
    /// under `maildirs`, before its 250; a failed delivery answers
    /// 451 4.3.0, and the message is neither stored nor left in any of
    /// the Maildirs.
    pub fn maildir(mut self, maildirs: Maildirs) -> Self {
        self.maildirs = Some(Arc::new(maildirs));
        self
    }

    /// Offers STARTTLS (RFC 3207) with the certificate of `tls`, made or
    /// read when the server starts. A [`Tls::SelfSigned`] server hands out
    /// its authority's certificate as [`MockServer::tls_ca_pem`].
    pub fn tls(mut self, tls: Tls) -> Self {
        self.tls = Some(tls);
        self
    }

    /// Refuses MAIL with 530 5.7.0 until the session runs over TLS, as
    /// [`SessionConfig::require_tls`] does whatever [`session`](Self::session)
    /// sets; needs [`tls`](Self::tls) to be of use.
    pub fn require_tls(mut self, require: bool) -> Self {
        self.require_tls = require;
        self
    }

    /// Offers AUTH (PLAIN, LOGIN, CRAM-MD5, XOAUTH2) and lets in whom
    /// `mode` says, as [`SessionConfig::auth`] does whatever
    /// [`session`](Self::session) sets. AUTH needs TLS first unless
    /// [`auth_without_tls_on_loopback`](Self::auth_without_tls_on_loopback).
    pub fn auth(mut self, mode: AuthMode) -> Self {
        self.auth = Some(mode);
        self
    }

    /// Offers AUTH without TLS to clients on a loopback address.
    pub fn auth_without_tls_on_loopback(mut self, allow: bool) -> Self {
        self.auth_without_tls_on_loopback = Some(allow);
        self
    }

    /// Also listens on `addr` for connections that are TLS from their
    /// first byte (RFC 8314), with the certificate of [`tls`](Self::tls);
    /// port 0 picks a free port, given by [`MockServer::implicit_tls_addr`].
    pub fn implicit_tls(mut self, addr: SocketAddr) -> Self {
        self.implicit_tls = Some(addr);
        self
    }

    /// Sets a function that sees every session's bytes, with AUTH secrets
    /// redacted (see [`IoObserver`]).
    pub fn on_io(
        mut self,
        observer: impl Fn(u64, Direction, &[u8]) + Send + Sync + 'static,
    ) -> Self {
        self.on_io = Some(Arc::new(observer));
        self
    }

    /// Sets a function that sees every failed TLS handshake, with the
    /// session's number and the reason.
    pub fn on_tls_failure(mut self, observer: impl Fn(u64, &str) + Send + Sync + 'static) -> Self {
        self.on_tls_failure = Some(Arc::new(observer));
        self
    }

    /// Sets a function that sees every stored message.
    pub fn on_message(
        mut self,
        observer: impl Fn(&StoredMessage, &[u64]) + Send + Sync + 'static,
    ) -> Self {
        self.on_message = Some(Arc::new(observer));
        self
    }

    /// Binds the listener and starts accepting.
    ///
    /// # Errors
    ///
    /// The I/O error of binding, or of a setting that cannot work (an
    /// invalid hostname, a certificate that cannot be made or read, an
    /// implicit TLS listener without a certificate).
    pub async fn start(mut self) -> std::io::Result<MockServer> {
        let invalid = |e: &dyn std::fmt::Display| {
            std::io::Error::new(std::io::ErrorKind::InvalidInput, e.to_string())
        };
        self.session.require_tls |= self.require_tls;
        if let Some(mode) = self.auth.clone() {
            self.session.auth = mode;
        }
        if let Some(allow) = self.auth_without_tls_on_loopback {
            self.session.auth_without_tls_on_loopback = allow;
        }
        if let Some(tls) = &self.tls {
            let server_tls =
                ServerTls::new(tls, &self.session.hostname).map_err(|e| invalid(&e))?;
            self.server_tls = Some(server_tls);
            self.session.starttls = true;
        } else if self.implicit_tls.is_some() {
            return Err(invalid(&"an implicit TLS listener needs a certificate"));
        }
        // The replies every session sends alike are built once, and a bad
        // hostname is refused here rather than at every connection.
        let setup = SessionSetup::new(self.session.clone()).map_err(|e| invalid(&e))?;
        let listener = TcpListener::bind(self.listen).await?;
        let addr = listener.local_addr()?;
        let implicit = match self.implicit_tls {
            Some(addr) => Some(TcpListener::bind(addr).await?),
            None => None,
        };
        let implicit_tls_addr = implicit.as_ref().map(TcpListener::local_addr).transpose()?;
        let tls_ca_pem = self.server_tls.as_ref().and_then(|t| t.ca_pem().map(str::to_owned));
        let store = Arc::new(Store::with_byte_capacity(
            self.store_capacity,
            self.store_bytes,
            self.evict_oldest,
        ));
        let (shutdown, shutdown_rx) = watch::channel(false);
        info!(%addr, ?implicit_tls_addr, "listening");
        let rules = self.rules.clone();
        let listeners = Listeners { plain: listener, implicit };
        let accept =
            tokio::spawn(accept_loop(listeners, self, setup, Arc::clone(&store), shutdown_rx));
        Ok(MockServer {
            addr,
            implicit_tls_addr,
            tls_ca_pem,
            store,
            rules,
            shutdown,
            accept: Some(accept),
        })
    }
}

/// A running mock mail server. Dropping it stops it: the listener closes
/// and open sessions are told 421. When rules carry expectations
/// ([`Rule::expect`]), dropping it also verifies them and panics with a
/// report if one is unmet, so that a test using it fails; call
/// [`verify`](Self::verify) to check them without panicking.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use std::time::Duration;
///
/// use smtpkit_mock::MockServer;
/// use tokio::io::{AsyncReadExt, AsyncWriteExt};
///
/// let server = MockServer::start().await?;
/// let mut stream = tokio::net::TcpStream::connect(server.addr()).await?;
/// stream.write_all(b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\n").await?;
/// stream.write_all(b"RCPT TO:<fuga@example.net>\r\nDATA\r\nHi\r\n.\r\nQUIT\r\n").await?;
/// let mut replies = Vec::new();
/// stream.read_to_end(&mut replies).await?;
///
/// let mailbox = server.wait_for(1, Duration::from_secs(5), |m| m.is_for("fuga@example.net"))
///     .await
///     .expect("one message");
/// assert_eq!(mailbox[0].message.content, b"Hi\r\n");
///
/// let none = server.wait_for(2, Duration::from_millis(50), |_| true).await;
/// assert!(none.expect_err("only one arrived").to_string().contains("fuga@example.net"));
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct MockServer {
    /// Where it listens.
    addr: SocketAddr,
    /// Where it listens for implicit TLS, if it does.
    implicit_tls_addr: Option<SocketAddr>,
    /// The certificate of the authority of a self-signed certificate.
    tls_ca_pem: Option<String>,
    /// The accepted messages.
    store: Arc<Store>,
    /// The scripted replies.
    rules: Rules,
    /// Set to true to stop.
    shutdown: watch::Sender<bool>,
    /// The accept loop.
    accept: Option<JoinHandle<()>>,
}

impl MockServer {
    /// Starts a server with the default settings on 127.0.0.1 and a free
    /// port.
    ///
    /// # Errors
    ///
    /// The I/O error of binding.
    pub async fn start() -> std::io::Result<Self> {
        Self::builder().start().await
    }

    /// Settings to start a server with.
    pub fn builder() -> MockServerBuilder {
        MockServerBuilder::default()
    }

    /// The address it listens on.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The address it listens on for implicit TLS, if it does.
    pub fn implicit_tls_addr(&self) -> Option<SocketAddr> {
        self.implicit_tls_addr
    }

    /// The certificate, PEM, of the authority that signed the server's
    /// [`Tls::SelfSigned`] certificate: what a client trusts to verify the
    /// server. `None` without TLS or with a certificate of its own.
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.tls_ca_pem.as_deref()
    }

    /// The store of accepted messages.
    pub fn store(&self) -> &Arc<Store> {
        &self.store
    }

    /// Every message accepted so far, oldest first.
    pub fn messages(&self) -> Vec<Arc<StoredMessage>> {
        self.store.messages()
    }

    /// The messages for one recipient, oldest first.
    pub fn mailbox(&self, address: &str) -> Vec<Arc<StoredMessage>> {
        self.store.mailbox(address)
    }

    /// Waits for `count` messages that satisfy `matches`.
    ///
    /// # Errors
    ///
    /// A [`WaitError`] listing what did arrive when `timeout` passes first.
    pub async fn wait_for(
        &self,
        count: usize,
        timeout: Duration,
        matches: impl Fn(&StoredMessage) -> bool,
    ) -> Result<Vec<Arc<StoredMessage>>, WaitError> {
        self.store.wait_for(count, timeout, matches).await
    }

    /// Adds a scripted reply to the running server.
    pub fn add_rule(&self, rule: Rule) {
        self.rules.add(rule);
    }

    /// Adds a scripted reply that lasts until the returned guard is
    /// dropped, which then verifies its expectation.
    pub fn scoped_rule(&self, rule: Rule) -> RuleGuard {
        self.rules.add_scoped(rule)
    }

    /// Checks the rules' expectations.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] listing each rule whose count is off.
    pub fn verify(&self) -> Result<(), VerifyError> {
        self.rules.verify()
    }

    /// Stops accepting (new connections are refused), tells open sessions
    /// 421 4.3.2, and waits until they have closed, or for at most
    /// [`SHUTDOWN_GRACE`].
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(accept) = self.accept.take() {
            let _ = accept.await;
        }
    }
}

impl Drop for MockServer {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        // An unmet expectation fails the test that set it, as a failed
        // assertion would; a test already failing is left to report its
        // own panic.
        if self.rules.has_expectations() && !std::thread::panicking() {
            if let Err(error) = self.rules.verify() {
                let arrived: Vec<String> =
                    self.store.messages().iter().map(|m| summary(m)).collect();
                panic!("{error}; messages stored: [{}]", arrived.join("; "));
            }
        }
    }
}

/// The listeners of a server: plain (with STARTTLS when it has a
/// certificate), and for implicit TLS if asked.
struct Listeners {
    /// Plain SMTP.
    plain: TcpListener,
    /// TLS from the first byte.
    implicit: Option<TcpListener>,
}

impl Listeners {
    /// The next connection on either listener, and whether it came on
    /// the implicit TLS one.
    async fn accept(&self) -> (std::io::Result<(TcpStream, SocketAddr)>, bool) {
        let implicit = async {
            match &self.implicit {
                Some(listener) => listener.accept().await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            accepted = self.plain.accept() => (accepted, false),
            accepted = implicit => (accepted, true),
        }
    }
}

/// Accepts connections until shut down; one beyond the limit is told
/// 421 4.7.0 and closed. At shutdown the listeners close first, so that
/// new connections are refused, then the open sessions have up to
/// [`SHUTDOWN_GRACE`] to send their 421 and close.
async fn accept_loop(
    listeners: Listeners,
    settings: MockServerBuilder,
    setup: Arc<SessionSetup>,
    store: Arc<Store>,
    mut shutdown: watch::Receiver<bool>,
) {
    let permits = Arc::new(Semaphore::new(settings.connection_limit));
    let settings = Arc::new(settings);
    let mut next_session = 0u64;
    let mut sessions = JoinSet::new();
    loop {
        let (accepted, implicit) = tokio::select! {
            accepted = listeners.accept() => accepted,
            _ = shutdown.changed() => break,
            // Sessions that ended are reaped, so that the set holds only
            // open ones.
            Some(_) = sessions.join_next() => continue,
        };
        let (mut stream, peer) = match accepted {
            Ok(accepted) => accepted,
            Err(error) => {
                // Running out of file descriptors and the like pass; the
                // listener itself is still good.
                warn!(%error, "accept failed");
                continue;
            }
        };
        let Ok(permit) = Arc::clone(&permits).try_acquire_owned() else {
            // On the implicit TLS listener the client expects a handshake,
            // not a reply: the connection is just closed.
            if !implicit {
                let reply = Reply::single(
                    ReplyCode::SERVICE_NOT_AVAILABLE,
                    Some(EnhancedStatusCode::TRANSIENT_SECURITY),
                    "too many connections, try again later",
                )
                .expect("a fixed reply is valid");
                let _ = stream.write_all(&reply.to_bytes()).await;
            }
            continue;
        };
        next_session += 1;
        let (settings, store, shutdown) =
            (Arc::clone(&settings), Arc::clone(&store), shutdown.clone());
        let setup = Arc::clone(&setup);
        let id = next_session;
        sessions.spawn(async move {
            let connection = Connection { id, settings: &settings, store: &store, shutdown };
            connection.run(stream, peer, setup, implicit).await;
            drop(permit);
        });
    }
    drop(listeners);
    info!("stopped listening");

    // Every session sees the shutdown at its next read and says 421; one
    // stuck writing to a client that reads nothing is cut off when the
    // set drops.
    let all_closed = async { while sessions.join_next().await.is_some() {} };
    if tokio::time::timeout(SHUTDOWN_GRACE, all_closed).await.is_err() {
        warn!(open = sessions.len(), "sessions cut off at shutdown");
    }
}

/// How a connection's byte loop ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Ending {
    /// The session or the connection is over.
    Done,
    /// The session answered STARTTLS: the handshake comes next.
    StartTls,
}

/// One connection and what it shares with the server.
struct Connection<'a> {
    /// The session's number, for logs and the I/O observer.
    id: u64,
    /// The server's settings.
    settings: &'a MockServerBuilder,
    /// Where accepted messages go.
    store: &'a Arc<Store>,
    /// Turns true when the server stops.
    shutdown: watch::Receiver<bool>,
}

impl Connection<'_> {
    /// Runs one session to its end, over TLS from the start when
    /// `implicit`, or after STARTTLS when the client asks.
    async fn run(
        mut self,
        stream: TcpStream,
        peer: SocketAddr,
        setup: Arc<SessionSetup>,
        implicit: bool,
    ) {
        let delay = Arc::new(AtomicU64::new(0));
        let rules = self.settings.rules.policy((self.settings.policy)(), Arc::clone(&delay));
        let accepted = Arc::new(Mutex::new(VecDeque::new()));
        let policy = Box::new(AcceptanceGuard {
            inner: Box::new(rules),
            store: Arc::clone(self.store),
            maildirs: self.settings.maildirs.clone(),
            accepted: Arc::clone(&accepted),
        });
        let mut session = Session::from_setup(setup, peer.to_string(), policy);
        if self.settings.on_io.is_some() {
            session.keep_client_view();
        }
        debug!(session = self.id, %peer, implicit, "connected");
        let queues = Queues { delay, accepted };

        // On the implicit TLS listener the greeting waits in the session's
        // output until the handshake is done; on the plain one the session
        // runs in plaintext until it answers STARTTLS, having discarded
        // whatever the client sent after it.
        let mut stream = stream;
        if !implicit && self.drive(&mut stream, &mut session, &queues).await == Ending::Done {
            return;
        }
        if let Some(mut stream) = self.handshake(stream, &mut session, implicit).await {
            // A second STARTTLS is refused by the session, so this ends
            // the connection either way.
            self.drive(&mut stream, &mut session, &queues).await;
        }
    }

    /// The server side of the TLS handshake, within the command deadline;
    /// `None` when it fails, and the connection is then dropped.
    async fn handshake(
        &self,
        stream: TcpStream,
        session: &mut Session,
        implicit: bool,
    ) -> Option<tokio_rustls::server::TlsStream<TcpStream>> {
        let Some(tls) = &self.settings.server_tls else {
            warn!(session = self.id, "TLS asked for without a certificate");
            return None;
        };
        let handshake = tls.acceptor().accept(stream);
        match tokio::time::timeout(self.settings.command_deadline, handshake).await {
            Ok(Ok(stream)) => {
                let facts = TlsFacts::of(stream.get_ref().1, implicit);
                debug!(session = self.id, version = %facts.version, suite = %facts.cipher_suite, "TLS established");
                session.tls_established(facts);
                Some(stream)
            }
            Ok(Err(error)) => {
                self.tls_failed(&error.to_string());
                None
            }
            Err(_) => {
                self.tls_failed("no handshake within the command deadline");
                None
            }
        }
    }

    /// Reports a failed handshake to the log and the observer.
    fn tls_failed(&self, reason: &str) {
        info!(session = self.id, reason, "TLS handshake failed");
        if let Some(observer) = &self.settings.on_tls_failure {
            observer(self.id, reason);
        }
    }

    /// Moves bytes between `stream` and the session until the session
    /// closes, the client goes, or the session answered STARTTLS.
    async fn drive<S: AsyncRead + AsyncWrite + Unpin>(
        &mut self,
        stream: &mut S,
        session: &mut Session,
        queues: &Queues,
    ) -> Ending {
        let (id, settings) = (self.id, self.settings);
        let observe = |direction: Direction, bytes: &[u8]| {
            if let (Some(on_io), false) = (&settings.on_io, bytes.is_empty()) {
                on_io(id, direction, bytes);
            }
        };

        let mut chunk = vec![0u8; 16 * 1024];
        let mut deadline = tokio::time::Instant::now() + settings.command_deadline;
        // While message content arrives: when the whole of it must be in.
        let mut message_deadline: Option<tokio::time::Instant> = None;
        loop {
            // Store accepted messages, in the places reserved when their
            // 250 was decided, before that 250 goes out.
            for event in session.events() {
                match event {
                    Event::MessageReceived(message) => queues.store(id, *message, settings),
                    Event::Closed { reason } => debug!(session = id, ?reason, "closing"),
                }
            }
            let output = session.take_output();
            // A rule that fired may hold the reply back for a while.
            let held = queues.delay.swap(0, Ordering::SeqCst);
            if held > 0 {
                tokio::time::sleep(Duration::from_millis(held)).await;
            }
            if !output.is_empty() {
                observe(Direction::Server, &output);
                if stream.write_all(&output).await.is_err() || stream.flush().await.is_err() {
                    return Ending::Done;
                }
                // A reply ends the command it answered: the next one gets
                // a full deadline, within the message's if one is arriving.
                deadline = tokio::time::Instant::now() + settings.command_deadline;
                deadline = message_deadline.map_or(deadline, |whole| deadline.min(whole));
            }
            if session.is_closed() {
                let _ = stream.shutdown().await;
                return Ending::Done;
            }
            if session.is_starting_tls() {
                return Ending::StartTls;
            }

            let read = tokio::select! {
                read = tokio::time::timeout_at(deadline, stream.read(&mut chunk)) => read,
                _ = self.shutdown.changed() => {
                    let reply = Reply::single(
                        ReplyCode::SERVICE_NOT_AVAILABLE,
                        Some(EnhancedStatusCode::new(4, 3, 2).expect("a valid code")),
                        "server shutting down",
                    )
                    .expect("a fixed reply is valid");
                    let bytes = reply.to_bytes();
                    observe(Direction::Server, &bytes);
                    if stream.write_all(&bytes).await.is_ok() {
                        let _ = stream.shutdown().await;
                    }
                    debug!(session = id, "closed at shutdown");
                    return Ending::Done;
                }
            };
            match read {
                Ok(Ok(0)) | Ok(Err(_)) => {
                    // The client went; a message in the middle of its data
                    // is dropped with the session, never stored, and a line
                    // it did not finish is shown as it came.
                    session.client_closed();
                    observe(Direction::Client, &session.take_client_view());
                    debug!(session = id, "disconnected");
                    return Ending::Done;
                }
                Ok(Ok(n)) => {
                    session.receive(&chunk[..n]);
                    observe(Direction::Client, &session.take_client_view());
                    if session.is_in_message() {
                        // The whole message has its own deadline, set at
                        // its first read and kept between BDAT chunks.
                        let now = tokio::time::Instant::now();
                        let whole = *message_deadline.get_or_insert(now + settings.data_deadline);
                        deadline = deadline.min(whole);
                        if session.is_reading_message() {
                            // Message text may take long; each block read
                            // in time keeps the session alive, as RFC 5321
                            // §4.5.3.2.5 times data blocks, but only until
                            // the message's own deadline.
                            deadline = (now + settings.command_deadline).min(whole);
                        }
                    } else {
                        message_deadline = None;
                    }
                }
                Err(_) => {
                    session.deadline_expired();
                    observe(Direction::Client, &session.take_client_view());
                }
            }
        }
    }
}

/// What a connection's session and its policy share.
struct Queues {
    /// How long a rule that fired holds the next reply back, in ms.
    delay: Arc<AtomicU64>,
    /// The places reserved for messages answered 250, oldest first.
    accepted: Arc<Mutex<VecDeque<Reservation>>>,
}

impl Queues {
    /// Stores a message the session emitted in the place reserved for it.
    fn store(
        &self,
        id: u64,
        message: crate::message::ReceivedMessage,
        settings: &MockServerBuilder,
    ) {
        match lock(&self.accepted).pop_front() {
            Some(reservation) => match reservation.commit(message) {
                Stored::Kept { message, evicted } => {
                    if !evicted.is_empty() {
                        info!(?evicted, "store full: evicted the oldest messages");
                    }
                    if let Some(on_message) = &settings.on_message {
                        on_message(&message, &evicted);
                    }
                }
                // A reserved place cannot be refused.
                Stored::Full => warn!(session = id, "store refused a reserved message"),
            },
            // The guard reserves a place for every message answered 250,
            // so none goes without.
            None => warn!(session = id, "a message arrived without a reserved place"),
        }
    }
}

/// Decides the end of each message in one step with the store: a place
/// is reserved before the other policies are asked, the message is
/// delivered into the Maildirs if they are set, and only then may the
/// session answer 250. The reservation waits in `accepted` for the
/// connection to store the message the session emits with that 250.
struct AcceptanceGuard {
    /// The policy the user set, with the rules.
    inner: Box<dyn Policy>,
    /// The store the message goes to.
    store: Arc<Store>,
    /// Where accepted messages are also delivered, if anywhere.
    maildirs: Option<Arc<Maildirs>>,
    /// The places reserved for messages answered 250, oldest first; the
    /// connection takes one for each message the session emits.
    accepted: Arc<Mutex<VecDeque<Reservation>>>,
}

impl Policy for AcceptanceGuard {
    fn decide(&mut self, phase: Phase<'_>) -> Decision {
        let Phase::EndOfData { message } = phase else { return self.inner.decide(phase) };

        // A full store answers before any other policy is asked.
        let Some(reservation) = self.store.reserve(message.content.len() as u64) else {
            let reply = Reply::single(
                ReplyCode::INSUFFICIENT_STORAGE,
                Some(EnhancedStatusCode::SYSTEM_FULL),
                "mail store full",
            )
            .expect("a fixed reply is valid");
            return Decision::Reply(reply);
        };

        // The session emits the message exactly when the reply is of class
        // 2; anything else gives the place back as the reservation drops.
        let decision = self.inner.decide(phase);
        let accepted = match &decision {
            Decision::Continue => true,
            Decision::Reply(reply) => reply.class() == ReplyClass::PositiveCompletion,
            Decision::Drop { .. } => false,
        };
        if !accepted {
            return decision;
        }

        // The files are small and the mock is a test tool, so the write
        // is done in place rather than on a blocking thread.
        if let Some(maildirs) = &self.maildirs {
            if let Err(error) = maildirs.deliver(message) {
                warn!(%error, "Maildir delivery failed");
                let reply = Reply::single(
                    ReplyCode::LOCAL_ERROR,
                    Some(EnhancedStatusCode::TRANSIENT_SYSTEM),
                    "could not deliver to the Maildir",
                )
                .expect("a fixed reply is valid");
                return Decision::Reply(reply);
            }
        }
        lock(&self.accepted).push_back(reservation);
        decision
    }
}

/// Locks the queue of reservations; a panic while it was held leaves it
/// whole (every change is one push or pop), so its data is still good.
fn lock(queue: &Mutex<VecDeque<Reservation>>) -> MutexGuard<'_, VecDeque<Reservation>> {
    queue.lock().unwrap_or_else(PoisonError::into_inner)
}
