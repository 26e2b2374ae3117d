//! Scripted replies: the hook through which a test makes the mock server
//! refuse a recipient, greylist a sender or drop the connection.

use smtpkit_codec::{
    Command, ForwardPath, Host, MailParameters, RcptParameters, Reply, ReversePath,
};

use crate::message::{HelloVerb, ReceivedMessage};

/// Decides, at each step of a session, whether the session goes on as it
/// would or answers something else.
///
/// The session asks at the phases of [`Phase`], in this order for one
/// command: first [`Phase::Command`] for every command that parsed, then,
/// once the session's own checks have passed, the phase of that command.
/// Delays are not decided here: sleeping is for the I/O layer, which can
/// wrap a policy and hold back the output.
///
/// Any `FnMut(Phase<'_>) -> Decision` is a policy.
///
/// ```
/// use smtpkit_mock::{Decision, Phase, Session, SessionConfig};
/// use smtpkit_mock::codec::Reply;
///
/// let refuse_bob = |phase: Phase<'_>| match phase {
///     Phase::Rcpt { forward_path, .. } if forward_path.to_string() == "<bob@example.org>" => {
///         Decision::Reply(Reply::mailbox_unavailable())
///     }
///     _ => Decision::Continue,
/// };
/// let mut session =
///     Session::with_policy(SessionConfig::default(), "peer", Box::new(refuse_bob))?;
/// session.receive(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\n");
/// session.receive(b"RCPT TO:<bob@example.org>\r\nRCPT TO:<eve@example.org>\r\n");
/// let output = String::from_utf8(session.take_output()).expect("ASCII");
/// assert!(output.ends_with("250 2.1.0 sender ok\r\n550 5.1.1 mailbox unavailable\r\n250 2.1.5 recipient ok\r\n"));
/// # Ok::<(), smtpkit_mock::ConfigError>(())
/// ```
pub trait Policy: Send {
    /// What the session should do at `phase`.
    fn decide(&mut self, phase: Phase<'_>) -> Decision;
}

impl<F> Policy for F
where
    F: FnMut(Phase<'_>) -> Decision + Send,
{
    fn decide(&mut self, phase: Phase<'_>) -> Decision {
        self(phase)
    }
}

/// The policy that lets every step go on: the session's own behaviour.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct AcceptAll;

impl Policy for AcceptAll {
    fn decide(&mut self, _phase: Phase<'_>) -> Decision {
        Decision::Continue
    }
}

/// A step of a session at which the [`Policy`] is asked.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum Phase<'a> {
    /// A client connected. A [`Decision::Reply`] replaces the greeting; a
    /// greeting other than 220 makes the session answer 503 to everything
    /// but QUIT (RFC 5321 §3.1).
    Connect {
        /// The peer, as given to the session.
        peer: &'a str,
    },
    /// Any command that parsed, before the session acts on it. A
    /// [`Decision::Reply`] answers the command instead of the session,
    /// which then does nothing else with it.
    Command {
        /// The command.
        command: &'a Command<'static>,
    },
    /// HELO, EHLO or LHLO, in sequence. A reply of class 2 greets the
    /// client as the session's own reply would; any other leaves the
    /// session as it was.
    Hello {
        /// Which greeting.
        verb: HelloVerb,
        /// The name the client gave.
        name: &'a Host<'static>,
    },
    /// MAIL FROM that the session would accept. A reply of class 2 starts
    /// the transaction; any other does not.
    Mail {
        /// The reverse-path.
        reverse_path: &'a ReversePath<'static>,
        /// Its parameters.
        parameters: &'a MailParameters<'static>,
    },
    /// RCPT TO that the session would accept. A reply of class 2 adds the
    /// recipient; any other does not.
    Rcpt {
        /// The forward-path.
        forward_path: &'a ForwardPath<'static>,
        /// Its parameters.
        parameters: &'a RcptParameters<'static>,
    },
    /// DATA that the session would accept. A reply of class 3 starts the
    /// data; any other does not.
    Data,
    /// The end of a message's data, after every check of the session
    /// passed. A reply of class 2 still stores the message; any other
    /// refuses it and nothing is emitted.
    EndOfData {
        /// The message as it would be emitted.
        message: &'a ReceivedMessage,
    },
}

/// What the session does at a [`Phase`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Decision {
    /// Go on as the session would.
    Continue,
    /// Answer with this reply instead; see [`Phase`] for what it does to
    /// the session.
    Reply(Reply<'static>),
    /// Close the connection, with a 421 reply first when `with_421` is
    /// true, and nothing at all otherwise.
    Drop {
        /// Send 421 4.3.2 before closing.
        with_421: bool,
    },
}
