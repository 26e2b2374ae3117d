//! Helpers shared by the client's integration tests.

use smtpkit_client::Envelope;
use smtpkit_codec::{ForwardPath, ReversePath};

/// An envelope from `from` to each of `to`, without parameters; an empty
/// `from` is the null reverse-path, `<>`.
pub fn envelope(from: &str, to: &[&str]) -> Envelope {
    let reverse_path = if from.is_empty() {
        ReversePath::Null
    } else {
        ReversePath::Mailbox(from.parse().expect("valid"))
    };
    Envelope {
        reverse_path,
        parameters: Default::default(),
        recipients: to
            .iter()
            .map(|r| (ForwardPath::Mailbox(r.parse().expect("valid")), Default::default()))
            .collect(),
    }
}

/// A certificate authority made for one test, and a certificate it signs
/// for `name`, valid between the first days of the years of `expired`
/// when given (for an expired certificate): the authority's certificate,
/// the certificate and its key, all PEM.
#[allow(dead_code, reason = "only the TLS tests need certificates")]
pub fn signed_certificate(name: &str, expired: Option<(i32, i32)>) -> (String, String, String) {
    let ca_key = rcgen::KeyPair::generate().expect("a key");
    let mut ca = rcgen::CertificateParams::new(Vec::<String>::new()).expect("params");
    ca.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    let ca = ca.self_signed(&ca_key).expect("a CA");
    let key = rcgen::KeyPair::generate().expect("a key");
    let mut leaf = rcgen::CertificateParams::new(vec![name.to_owned()]).expect("params");
    if let Some((from, to)) = expired {
        leaf.not_before = rcgen::date_time_ymd(from, 1, 1);
        leaf.not_after = rcgen::date_time_ymd(to, 1, 1);
    }
    let leaf = leaf.signed_by(&key, &ca, &ca_key).expect("a certificate");
    (ca.pem(), leaf.pem(), key.serialize_pem())
}
