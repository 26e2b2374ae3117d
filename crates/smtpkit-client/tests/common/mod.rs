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
