//! Strategies for the structured header fields: addresses, address lists
//! and message identifiers.

use proptest::collection::vec;
use proptest::option;
use proptest::prelude::*;

use crate::field::address::{AddrSpec, Address, AddressList, Group, Mailbox, MailboxList};
use crate::MessageId;

/// Display names and keywords: words, specials that force quoting, tabs,
/// runs of spaces, UTF-8, and text that looks like an encoded word.
pub fn phrase_text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => vec("[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}", 1..4).prop_map(|words| words.join(" ")),
        2 => "[ -~\téÖ例]{0,24}",
        1 => Just("=?UTF-8?Q?J=C3=B6rg?=".to_owned()),
    ]
}

/// Domains as written: dot-atoms with UTF-8, and domain literals.
pub fn domain() -> impl Strategy<Value = String> {
    let atom = "[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}|[a-zé例]{1,4}";
    prop_oneof![
        4 => vec(atom, 1..4).prop_map(|atoms| atoms.join(".")),
        1 => "\\[[!-Z^-~]{0,10}( [!-Z^-~]{1,6})?\\]",
    ]
}

/// Addr-specs whose local part is a dot-atom or any text that must be
/// quoted, `@` and `"` included.
pub fn addr_spec() -> impl Strategy<Value = AddrSpec> {
    let dot_atom = vec("[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}", 1..4).prop_map(|a| a.join("."));
    let local_part = prop_oneof![3 => dot_atom, 1 => "[ -~\tä]{0,16}"];
    (local_part, domain())
        .prop_filter_map("a valid addr-spec", |(local, domain)| AddrSpec::new(&local, &domain).ok())
}

/// Mailboxes with and without display names.
pub fn mailbox() -> impl Strategy<Value = Mailbox> {
    (option::of(phrase_text()), addr_spec())
        .prop_filter_map("a valid mailbox", |(name, spec)| Mailbox::new(name.as_deref(), spec).ok())
}

/// Groups of zero to three mailboxes.
pub fn group() -> impl Strategy<Value = Group> {
    (phrase_text(), vec(mailbox(), 0..4))
        .prop_filter_map("a valid group", |(name, members)| Group::new(&name, members).ok())
}

/// Mailboxes and groups.
pub fn address() -> impl Strategy<Value = Address> {
    prop_oneof![4 => mailbox().prop_map(Address::Mailbox), 1 => group().prop_map(Address::Group)]
}

/// Lists of one to five addresses.
pub fn address_list() -> impl Strategy<Value = AddressList> {
    vec(address(), 1..6).prop_filter_map("a valid list", |list| AddressList::new(list).ok())
}

/// Lists of one to five mailboxes.
pub fn mailbox_list() -> impl Strategy<Value = MailboxList> {
    vec(mailbox(), 1..6).prop_filter_map("a valid list", |list| MailboxList::new(list).ok())
}

/// Message identifiers: dot-atoms or a quoted left part, dot-atoms or a
/// literal right part.
pub fn message_id() -> impl Strategy<Value = MessageId> {
    let dot_atom = || vec("[a-zA-Z0-9!#$%&'*+/=?^_`{|}~-]{1,8}", 1..4).prop_map(|a| a.join("."));
    let left = prop_oneof![4 => dot_atom(), 1 => "\"[a-z @.]{0,8}\""];
    let right = prop_oneof![4 => dot_atom(), 1 => "\\[[!-Z^-~]{0,10}\\]"];
    (left, right).prop_filter_map("a valid message id", |(l, r)| MessageId::new(&l, &r).ok())
}
