//! TLS for the mock server: STARTTLS (RFC 3207) and implicit TLS
//! (RFC 8314), with rustls and its ring provider.
//!
//! A server gets its certificate one of two ways: [`Tls::SelfSigned`]
//! makes a certificate authority and a certificate for the server's name
//! when the server starts, and hands out the authority's certificate as
//! PEM so that a client can verify the server as it would a real one; or
//! [`Tls::Pem`] takes a certificate chain and its key.

use std::sync::Arc;

use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, KeyPair, KeyUsagePurpose, SanType};
use rustls::pki_types::pem::PemObject as _;
use rustls::pki_types::{CertificateDer, PrivateKeyDer};
use rustls::ServerConfig;
use tokio_rustls::TlsAcceptor;

/// Where a server's certificate comes from.
#[derive(Clone, PartialEq, Eq)]
pub enum Tls {
    /// A certificate for the server's hostname (and `localhost`,
    /// `127.0.0.1` and `::1`), signed by a certificate authority made for
    /// this server alone, both made when the server starts. The
    /// authority's certificate is [`ServerTls::ca_pem`].
    SelfSigned,
    /// A certificate chain, the server's own first, and its private key,
    /// both PEM.
    Pem {
        /// The certificates, PEM.
        certificate_chain: Vec<u8>,
        /// The private key (PKCS #8, PKCS #1 or SEC1), PEM.
        private_key: Vec<u8>,
    },
}

impl std::fmt::Debug for Tls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Self::SelfSigned => f.write_str("SelfSigned"),
            // The key stays out of logs.
            Self::Pem { .. } => f.write_str("Pem { .. }"),
        }
    }
}

/// A certificate or key that cannot serve TLS.
#[derive(Debug, thiserror::Error)]
pub enum TlsError {
    /// The certificate could not be made.
    #[error("cannot make a certificate: {0}")]
    Generate(#[from] rcgen::Error),
    /// The PEM holds no certificate, or no key, or cannot be read.
    #[error("cannot read the {what} PEM: {detail}")]
    Pem {
        /// `certificate` or `key`.
        what: &'static str,
        /// What is wrong.
        detail: String,
    },
    /// rustls refused the certificate and key.
    #[error("cannot serve TLS with this certificate and key: {0}")]
    Config(#[from] rustls::Error),
}

/// What a server needs to speak TLS: the rustls configuration, and the
/// certificate authority's certificate when it made its own.
#[derive(Clone)]
pub struct ServerTls {
    /// Accepts TLS connections.
    acceptor: TlsAcceptor,
    /// The authority that signed a [`Tls::SelfSigned`] certificate.
    ca_pem: Option<String>,
}

impl std::fmt::Debug for ServerTls {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ServerTls").field("self_signed", &self.ca_pem.is_some()).finish()
    }
}

impl ServerTls {
    /// Makes or reads the certificate of `tls` for a server called
    /// `hostname`.
    ///
    /// # Errors
    ///
    /// [`TlsError`] when the certificate cannot be made or read, or rustls
    /// refuses it.
    ///
    /// ```
    /// use smtpkit_mock::{ServerTls, Tls};
    ///
    /// let tls = ServerTls::new(&Tls::SelfSigned, "mx.example.org")?;
    /// assert!(tls.ca_pem().expect("a self-signed authority").starts_with("-----BEGIN CERTIFICATE-----"));
    /// # Ok::<(), smtpkit_mock::TlsError>(())
    /// ```
    pub fn new(tls: &Tls, hostname: &str) -> Result<Self, TlsError> {
        let (chain, key, ca_pem) = match tls {
            Tls::SelfSigned => {
                let (chain, key, ca_pem) = self_signed(hostname)?;
                (chain, key, Some(ca_pem))
            }
            Tls::Pem { certificate_chain, private_key } => {
                let chain = CertificateDer::pem_slice_iter(certificate_chain)
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| TlsError::Pem { what: "certificate", detail: e.to_string() })?;
                if chain.is_empty() {
                    let detail = "no CERTIFICATE block".to_owned();
                    return Err(TlsError::Pem { what: "certificate", detail });
                }
                let key = PrivateKeyDer::from_pem_slice(private_key)
                    .map_err(|e| TlsError::Pem { what: "key", detail: e.to_string() })?;
                (chain, key, None)
            }
        };
        let provider = Arc::new(rustls::crypto::ring::default_provider());
        let config = ServerConfig::builder_with_provider(provider)
            .with_safe_default_protocol_versions()?
            .with_no_client_auth()
            .with_single_cert(chain, key)?;
        Ok(Self { acceptor: TlsAcceptor::from(Arc::new(config)), ca_pem })
    }

    /// The certificate of the authority that signed a
    /// [`Tls::SelfSigned`] certificate, PEM; `None` for [`Tls::Pem`].
    pub fn ca_pem(&self) -> Option<&str> {
        self.ca_pem.as_deref()
    }

    /// Accepts TLS connections with this configuration.
    pub fn acceptor(&self) -> &TlsAcceptor {
        &self.acceptor
    }
}

/// An authority and a certificate it signed for `hostname`: the chain and
/// key to serve, and the authority's certificate, PEM.
fn self_signed(
    hostname: &str,
) -> Result<(Vec<CertificateDer<'static>>, PrivateKeyDer<'static>, String), TlsError> {
    let ca_key = KeyPair::generate()?;
    let mut ca = CertificateParams::new(Vec::<String>::new())?;
    ca.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
    ca.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    ca.distinguished_name.push(DnType::CommonName, format!("smtpkit mock CA for {hostname}"));
    let ca = ca.self_signed(&ca_key)?;

    let key = KeyPair::generate()?;
    let mut names = vec![hostname.to_owned()];
    if !hostname.eq_ignore_ascii_case("localhost") {
        names.push("localhost".to_owned());
    }
    let mut leaf = CertificateParams::new(names)?;
    leaf.subject_alt_names.push(SanType::IpAddress([127, 0, 0, 1].into()));
    leaf.subject_alt_names.push(SanType::IpAddress(std::net::Ipv6Addr::LOCALHOST.into()));
    leaf.distinguished_name.push(DnType::CommonName, hostname);
    let leaf = leaf.signed_by(&key, &ca, &ca_key)?;

    let chain = vec![leaf.der().clone()];
    let key = PrivateKeyDer::Pkcs8(key.serialize_der().into());
    Ok((chain, key, ca.pem()))
}

/// What a session's TLS is: the protocol version and cipher suite
/// negotiated, and how TLS started.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TlsFacts {
    /// The protocol version, such as `TLSv1_3`.
    pub version: String,
    /// The cipher suite, such as `TLS13_AES_256_GCM_SHA384`.
    pub cipher_suite: String,
    /// True for TLS from the first byte (RFC 8314), false after STARTTLS.
    pub implicit: bool,
}

impl TlsFacts {
    /// The facts of an established server connection.
    pub fn of(connection: &rustls::ServerConnection, implicit: bool) -> Self {
        let version = connection.protocol_version().map(|v| format!("{v:?}"));
        let suite = connection.negotiated_cipher_suite().map(|s| format!("{:?}", s.suite()));
        Self {
            version: version.unwrap_or_else(|| "unknown".to_owned()),
            cipher_suite: suite.unwrap_or_else(|| "unknown".to_owned()),
            implicit,
        }
    }
}
