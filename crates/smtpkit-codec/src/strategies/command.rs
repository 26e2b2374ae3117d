//! Strategies for every command.

use proptest::prelude::*;

use super::address::{domain, forward_path, host, reverse_path};
use super::params::{mail_parameters, rcpt_parameters};
use crate::{
    Argument, Command, EtrnNode, InitialResponse, MailParameters, Mechanism, RcptParameters,
};

/// Free argument text: printable ASCII with inner spaces and tabs, and UTF-8.
pub fn argument() -> impl Strategy<Value = Argument<'static>> {
    "[!-~é]([ -~\tä]{0,30}[!-~ü])?".prop_filter_map("valid argument", |s| Argument::new(s).ok())
}

/// Registered and other SASL mechanisms.
pub fn mechanism() -> impl Strategy<Value = Mechanism<'static>> {
    prop_oneof![
        Just(Mechanism::Plain),
        Just(Mechanism::Login),
        Just(Mechanism::CramMd5),
        Just(Mechanism::XOAuth2),
        Just(Mechanism::ScramSha256),
        "[A-Z0-9_-]{1,20}".prop_filter_map("another mechanism", |name| {
            Mechanism::new(&name).ok().map(Mechanism::into_owned)
        }),
    ]
}

/// `=` and base64 text of every length class.
pub fn initial_response() -> impl Strategy<Value = InitialResponse<'static>> {
    let base64 = "([A-Za-z0-9+/]{4}){0,8}([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?";
    prop_oneof![
        Just(InitialResponse::Empty),
        base64.prop_filter_map("non-empty base64", |text| {
            InitialResponse::new(&text).ok().map(InitialResponse::into_owned)
        }),
    ]
}

/// Every kind of ETRN node.
pub fn etrn_node() -> impl Strategy<Value = EtrnNode<'static>> {
    prop_oneof![
        domain().prop_map(EtrnNode::Domain),
        domain().prop_map(EtrnNode::Subdomains),
        argument().prop_map(EtrnNode::Queue),
    ]
}

/// Verbs this crate does not know, with or without arguments.
pub fn unknown() -> impl Strategy<Value = Command<'static>> {
    const KNOWN: [&str; 16] = [
        "HELO", "EHLO", "LHLO", "MAIL", "RCPT", "DATA", "BDAT", "RSET", "VRFY", "EXPN", "HELP",
        "NOOP", "QUIT", "STARTTLS", "AUTH", "ETRN",
    ];
    let verb = "[!-~]{1,12}".prop_filter_map("unknown verb", |verb| {
        let known = KNOWN.iter().any(|k| k.eq_ignore_ascii_case(&verb));
        if known {
            None
        } else {
            Argument::new(verb).ok()
        }
    });
    (verb, prop::option::of(argument()))
        .prop_map(|(verb, arguments)| Command::Unknown { verb, arguments })
}

/// Every command, with every kind of argument.
pub fn command() -> impl Strategy<Value = Command<'static>> {
    prop_oneof![
        host().prop_map(Command::Helo),
        host().prop_map(Command::Ehlo),
        host().prop_map(Command::Lhlo),
        // Most MAIL and RCPT commands in the wild carry no parameters.
        (reverse_path(), prop::option::of(mail_parameters())).prop_map(
            |(reverse_path, parameters)| Command::Mail {
                reverse_path,
                parameters: parameters.unwrap_or_else(MailParameters::new),
            }
        ),
        (forward_path(), prop::option::of(rcpt_parameters())).prop_map(
            |(forward_path, parameters)| Command::Rcpt {
                forward_path,
                parameters: parameters.unwrap_or_else(RcptParameters::new),
            }
        ),
        Just(Command::Data),
        (any::<u64>(), any::<bool>()).prop_map(|(size, last)| Command::Bdat { size, last }),
        Just(Command::Rset),
        argument().prop_map(Command::Vrfy),
        argument().prop_map(Command::Expn),
        prop::option::of(argument()).prop_map(Command::Help),
        prop::option::of(argument()).prop_map(Command::Noop),
        Just(Command::Quit),
        Just(Command::StartTls),
        (mechanism(), prop::option::of(initial_response())).prop_map(
            |(mechanism, initial_response)| Command::Auth { mechanism, initial_response }
        ),
        etrn_node().prop_map(Command::Etrn),
        unknown(),
    ]
}
