//! Strategies for domains, address literals, local-parts, mailboxes and
//! paths.

use std::net::{Ipv4Addr, Ipv6Addr};

use proptest::prelude::*;

use crate::{AddressLiteral, Domain, ForwardPath, Host, LocalPart, Mailbox, ReversePath};

/// Domain names of ASCII labels and RFC 6531 U-labels.
pub fn domain() -> impl Strategy<Value = Domain<'static>> {
    let ascii = "[a-zA-Z0-9]([a-zA-Z0-9-]{0,10}[a-zA-Z0-9])?";
    let unicode = "[a-zé例え]{1,4}";
    let label = prop_oneof![4 => ascii, 1 => unicode];
    prop::collection::vec(label, 1..5)
        .prop_map(|labels| labels.join("."))
        .prop_filter_map("valid domain", |name| Domain::new(name).ok())
}

/// IPv4, IPv6 and general address literals.
pub fn address_literal() -> impl Strategy<Value = AddressLiteral<'static>> {
    prop_oneof![
        any::<Ipv4Addr>().prop_map(AddressLiteral::from),
        any::<Ipv6Addr>().prop_map(AddressLiteral::from),
        ("[a-zA-Z0-9]([a-zA-Z0-9-]{0,6}[a-zA-Z0-9])?", "[!-Z^-~]{1,20}")
            .prop_filter_map("not IPv6", |(tag, content)| {
                AddressLiteral::general(tag, content).ok()
            }),
    ]
}

/// Domains and address literals.
pub fn host() -> impl Strategy<Value = Host<'static>> {
    prop_oneof![3 => domain().prop_map(Host::from), 1 => address_literal().prop_map(Host::from)]
}

/// Dot-strings and quoted strings, with quoted pairs and UTF-8.
pub fn local_part() -> impl Strategy<Value = LocalPart<'static>> {
    let atom = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}";
    let dot_string = prop::collection::vec(atom, 1..4)
        .prop_filter_map("valid dot-string", |atoms| LocalPart::new(atoms.join(".")).ok());
    let utf8 = "[a-zäö用户]{1,8}".prop_filter_map("valid", |s| LocalPart::new(s).ok());
    let quoted = "[ -~é]{0,20}".prop_filter_map("fits", |text| LocalPart::from_text(&text).ok());
    prop_oneof![3 => dot_string, 1 => utf8, 2 => quoted]
}

/// Mailboxes that fit in a path.
pub fn mailbox() -> impl Strategy<Value = Mailbox<'static>> {
    (local_part(), host()).prop_filter_map("fits in a path", |(l, h)| Mailbox::new(l, h).ok())
}

/// The null path and mailboxes.
pub fn reverse_path() -> impl Strategy<Value = ReversePath<'static>> {
    prop_oneof![1 => Just(ReversePath::Null), 6 => mailbox().prop_map(ReversePath::Mailbox)]
}

/// `<Postmaster>` and mailboxes.
pub fn forward_path() -> impl Strategy<Value = ForwardPath<'static>> {
    prop_oneof![1 => Just(ForwardPath::Postmaster), 6 => mailbox().prop_map(ForwardPath::Mailbox)]
}
