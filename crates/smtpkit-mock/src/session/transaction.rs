//! The mail transaction: MAIL FROM and RCPT TO, with the checks of their
//! sequence, their parameters and their addresses (RFC 5321 §3.3, §4.1.1;
//! RFC 1870 SIZE; RFC 6152 8BITMIME; RFC 3030 BINARYMIME; RFC 3461 DSN;
//! RFC 6531 SMTPUTF8).

use smtpkit_codec::{
    BodyType, ForwardPath, MailParameter, MailParameters, RcptParameter, RcptParameters, Reply,
    ReplyClass, ReversePath,
};

use super::{replies, Session};
use crate::message::{Envelope, Recipient};
use crate::policy::{Decision, Phase};

/// A transaction between a good MAIL FROM and the end of its message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Transaction {
    /// The sender and the recipients accepted so far.
    pub(crate) envelope: Envelope,
    /// The BDAT chunks received so far, at most the message size limit.
    pub(crate) chunks: Vec<u8>,
    /// A BDAT chunk was sent, so DATA may no longer be (RFC 3030 §3).
    pub(crate) uses_bdat: bool,
}

impl Transaction {
    /// True when the client declared a body that only BDAT can carry.
    pub(crate) fn is_binary(&self) -> bool {
        self.envelope.mail_parameters.body() == Some(BodyType::BinaryMime)
    }

    /// True when the client declared SMTPUTF8 in MAIL FROM.
    fn is_utf8(&self) -> bool {
        self.envelope.mail_parameters.smtputf8()
    }
}

impl Session {
    /// MAIL FROM: starts a transaction once the sequence, the parameters,
    /// the size and the address pass, and the policy agrees.
    pub(super) fn mail(
        &mut self,
        reverse_path: ReversePath<'static>,
        parameters: MailParameters<'static>,
    ) {
        // RFC 5321 §4.1.4: MAIL needs a greeting first, and no transaction
        // may be open.
        if self.facts.hello.is_none() || self.transaction.is_some() {
            return self.client_error(&Reply::bad_sequence());
        }
        if !parameters.iter().all(|parameter| self.offers_mail_parameter(parameter)) {
            return self.client_error(&Reply::parameters_not_recognized());
        }
        if parameters.size().is_some_and(|size| size > self.setup.config.max_message_size) {
            return self.send(&Reply::message_too_big());
        }
        if let ReversePath::Mailbox(mailbox) = &reverse_path {
            if !mailbox.is_ascii() && !parameters.smtputf8() {
                return self.client_error(&replies::utf8_not_permitted());
            }
        }

        let phase = Phase::Mail { reverse_path: &reverse_path, parameters: &parameters };
        let reply = match self.policy.decide(phase) {
            Decision::Continue => Reply::sender_ok(),
            Decision::Reply(reply) if reply.class() != ReplyClass::PositiveCompletion => {
                return self.send(&reply);
            }
            Decision::Reply(reply) => reply,
            Decision::Drop { with_421 } => return self.drop_connection(with_421),
        };
        let envelope =
            Envelope { reverse_path, mail_parameters: parameters, recipients: Vec::new() };
        self.transaction = Some(Transaction { envelope, chunks: Vec::new(), uses_bdat: false });
        self.send(&reply);
    }

    /// RCPT TO: adds a recipient once the sequence, the parameters, the
    /// address and the count pass, and the policy agrees.
    pub(super) fn rcpt(
        &mut self,
        forward_path: ForwardPath<'static>,
        parameters: RcptParameters<'static>,
    ) {
        let Some(transaction) = &self.transaction else {
            return self.client_error(&Reply::bad_sequence());
        };
        let utf8 = transaction.is_utf8();
        let count = transaction.envelope.recipients.len();
        if !parameters.iter().all(|parameter| self.offers_rcpt_parameter(parameter)) {
            return self.client_error(&Reply::parameters_not_recognized());
        }
        if let ForwardPath::Mailbox(mailbox) = &forward_path {
            if !mailbox.is_ascii() && !utf8 {
                return self.client_error(&replies::utf8_not_permitted());
            }
        }

        // RFC 5321 §4.5.3.1.10: one recipient past the limit is refused
        // with 452, which the client may send again in a new transaction.
        if count >= self.setup.config.max_recipients {
            return self.send(&Reply::too_many_recipients());
        }

        let phase = Phase::Rcpt { forward_path: &forward_path, parameters: &parameters };
        let reply = match self.policy.decide(phase) {
            Decision::Continue => Reply::recipient_ok(),
            Decision::Reply(reply) if reply.class() != ReplyClass::PositiveCompletion => {
                return self.send(&reply);
            }
            Decision::Reply(reply) => reply,
            Decision::Drop { with_421 } => return self.drop_connection(with_421),
        };
        let recipient = Recipient { forward_path, parameters };
        if let Some(transaction) = &mut self.transaction {
            transaction.envelope.recipients.push(recipient);
        }
        self.send(&reply);
    }

    /// True when `parameter` belongs to an extension offered to this
    /// client; after HELO none is.
    fn offers_mail_parameter(&self, parameter: &MailParameter<'_>) -> bool {
        let extensions = &self.setup.config.extensions;
        let binarymime = extensions.chunking && extensions.binarymime;
        self.is_extended()
            && match parameter {
                MailParameter::Size(_) => extensions.size,
                MailParameter::Body(BodyType::SevenBit) => extensions.eight_bit_mime || binarymime,
                MailParameter::Body(BodyType::EightBitMime) => extensions.eight_bit_mime,
                MailParameter::Body(BodyType::BinaryMime) => binarymime,
                MailParameter::SmtpUtf8 => extensions.smtputf8,
                MailParameter::Ret(_) | MailParameter::EnvId(_) => extensions.dsn,
                // RFC 4954 §5: the identity a relay vouches for; taken as
                // information, whoever authenticated.
                MailParameter::Auth(_) => self.offers_auth(),
                _ => false,
            }
    }

    /// True when `parameter` belongs to an extension offered to this
    /// client.
    fn offers_rcpt_parameter(&self, parameter: &RcptParameter<'_>) -> bool {
        self.is_extended()
            && match parameter {
                RcptParameter::Notify(_) | RcptParameter::Orcpt(_) => {
                    self.setup.config.extensions.dsn
                }
                _ => false,
            }
    }
}
