//! TLS for the client: STARTTLS (RFC 3207) and implicit TLS (RFC 8314),
//! with rustls and its ring provider.

use std::io;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, ServerName};
use tokio::io::{AsyncRead, AsyncWrite, ReadBuf};
use tokio::net::TcpStream;
use tokio_rustls::client::TlsStream;
use tokio_rustls::TlsConnector;

use crate::error::{Error, ErrorKind};

/// How the client verifies a server's certificate, and the name it
/// expects the certificate to carry.
#[derive(Clone)]
pub struct ClientTls {
    /// Makes TLS connections.
    connector: TlsConnector,
    /// The name (or address) the server's certificate must be valid for.
    server_name: ServerName<'static>,
}

impl std::fmt::Debug for ClientTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ClientTls").field("server_name", &self.server_name).finish_non_exhaustive()
    }
}

impl ClientTls {
    /// Trusts only the certificate authorities in `pem`, such as the one
    /// a mock server made for itself, for a server called `server_name`
    /// (a host name or an IP address).
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Tls`] when `pem` holds no certificate or
    /// `server_name` is neither a host name nor an address.
    pub fn with_ca_pem(server_name: &str, pem: &[u8]) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        for certificate in CertificateDer::pem_slice_iter(pem) {
            let certificate = certificate.map_err(|e| setup(format!("reading the CA PEM: {e}")))?;
            roots.add(certificate).map_err(|e| setup(format!("a CA certificate: {e}")))?;
        }
        if roots.is_empty() {
            return Err(setup("the CA PEM holds no certificate".to_owned()));
        }
        Self::with_roots(server_name, roots)
    }

    /// Trusts the certificate authorities of the system's store, for a
    /// server called `server_name`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Tls`] when the store holds no usable certificate or
    /// `server_name` is neither a host name nor an address.
    pub fn with_native_roots(server_name: &str) -> Result<Self, Error> {
        let mut roots = rustls::RootCertStore::empty();
        let found = rustls_native_certs::load_native_certs();
        let (added, _) = roots.add_parsable_certificates(found.certs);
        if added == 0 {
            return Err(setup("no certificate authority in the system's store".to_owned()));
        }
        Self::with_roots(server_name, roots)
    }

    /// Uses a rustls configuration of the caller's, for a server called
    /// `server_name`.
    ///
    /// # Errors
    ///
    /// [`ErrorKind::Tls`] when `server_name` is neither a host name nor an
    /// address.
    pub fn with_config(
        server_name: &str,
        config: Arc<rustls::ClientConfig>,
    ) -> Result<Self, Error> {
        let server_name = ServerName::try_from(server_name.to_owned())
            .map_err(|e| setup(format!("server name {server_name:?}: {e}")))?;
        Ok(Self { connector: TlsConnector::from(config), server_name })
    }

    /// A configuration with `roots`, the ring provider and the default
    /// protocol versions.
    fn with_roots(server_name: &str, roots: rustls::RootCertStore) -> Result<Self, Error> {
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = rustls::ClientConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()
            .map_err(|e| setup(e.to_string()))?
            .with_root_certificates(roots)
            .with_no_client_auth();
        Self::with_config(server_name, Arc::new(config))
    }

    /// Does the client side of the handshake on `stream`, for callers
    /// that speak SMTP themselves (such as an interactive session).
    ///
    /// # Errors
    ///
    /// The I/O error of the handshake, which says why it failed.
    pub async fn handshake<S>(&self, stream: S) -> io::Result<TlsStream<S>>
    where
        S: AsyncRead + AsyncWrite + Unpin,
    {
        self.connector.connect(self.server_name.clone(), stream).await
    }
}

/// An error in setting TLS up, before any connection.
fn setup(detail: String) -> Error {
    ErrorKind::Tls { step: "TLS setup", error: io::Error::new(io::ErrorKind::InvalidInput, detail) }
        .into()
}

/// Whether and how a session runs over TLS.
#[derive(Debug, Clone, Default)]
pub enum TlsMode {
    /// Plaintext, even when the server offers STARTTLS.
    #[default]
    Off,
    /// STARTTLS when the server offers it, plaintext otherwise. A failed
    /// handshake is an error all the same: the connection is of no further
    /// use, and going on in plaintext is the caller's decision.
    Opportunistic(ClientTls),
    /// STARTTLS or nothing: a server that does not offer it gets no
    /// transaction (RFC 3207 §4's defence against stripping).
    Required(ClientTls),
    /// TLS from the first byte (RFC 8314), as on port 465.
    Implicit(ClientTls),
}

/// A connection in plaintext or over TLS, as [`Client::open`] makes it.
///
/// [`Client::open`]: crate::Client::open
#[derive(Debug)]
pub enum Connection {
    /// Plaintext TCP.
    Plain(TcpStream),
    /// TLS over TCP.
    Tls(Box<TlsStream<TcpStream>>),
}

impl Connection {
    /// True over TLS.
    pub fn is_tls(&self) -> bool {
        matches!(self, Self::Tls(_))
    }

    /// The TLS protocol version and cipher suite negotiated, over TLS.
    pub fn tls_parameters(&self) -> Option<(String, String)> {
        let Self::Tls(stream) = self else { return None };
        let connection = stream.get_ref().1;
        let version = connection.protocol_version().map(|v| format!("{v:?}"))?;
        let suite = connection.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite()))?;
        Some((version, suite))
    }
}

impl AsyncRead for Connection {
    fn poll_read(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &mut ReadBuf<'_>,
    ) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_read(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_read(cx, buf),
        }
    }
}

impl AsyncWrite for Connection {
    fn poll_write(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
        buf: &[u8],
    ) -> Poll<io::Result<usize>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_write(cx, buf),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_write(cx, buf),
        }
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_flush(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_flush(cx),
        }
    }

    fn poll_shutdown(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<io::Result<()>> {
        match self.get_mut() {
            Self::Plain(stream) => Pin::new(stream).poll_shutdown(cx),
            Self::Tls(stream) => Pin::new(stream.as_mut()).poll_shutdown(cx),
        }
    }
}
