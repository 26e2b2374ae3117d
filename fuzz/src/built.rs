//! Structure-aware round trips: values built by the codec's own proptest
//! strategies from a seed that the fuzzer's input picks.
//!
//! The strategies in `smtpkit_codec::strategies` build every value through
//! the public, validating constructors, so what they yield is what a user
//! could build, across the whole grammar; random bytes rarely reach the
//! writers and the deep parsers this way. The input is hashed into the
//! seed of proptest's XorShift generator. Proptest's pass-through
//! generator, which would let every input byte make one choice, is not
//! used: past the end of its data it gives zeros, on which the uniform
//! sampling of `rand` rejects forever, and strategies that derive a
//! generator from another (flat maps) split its data and reach that end
//! at once.

use proptest::strategy::{Strategy, ValueTree};
use proptest::test_runner::{Config, RngAlgorithm, TestRng, TestRunner};
use smtpkit_codec::field::address::{address_list, mailbox_list};
use smtpkit_codec::field::date::date_time;
use smtpkit_codec::field::message_id::msg_id;
use smtpkit_codec::strategies;
use smtpkit_codec::{
    parse_command, parse_header_section, parse_reply, Capabilities, CommandOptions, HeaderOptions,
    MessageBuilder, ReplyOptions, Status,
};

use crate::show;

/// The value `strategy` builds from the seed that `bytes` hash to, or
/// `None` when the strategy gives up (a filter that keeps rejecting).
pub fn generate<S: Strategy>(strategy: &S, bytes: &[u8]) -> Option<S::Value> {
    let seed = seed(bytes);
    let rng = TestRng::from_seed(RngAlgorithm::XorShift, &seed);
    let mut runner = TestRunner::new_with_rng(Config::default(), rng);
    strategy.new_tree(&mut runner).ok().map(|tree| tree.current())
}

/// Sixteen octets that depend on every octet of `bytes`: two FNV-1a hashes
/// with different offsets, each finished with splitmix64's mixer.
fn seed(bytes: &[u8]) -> [u8; 16] {
    let hash = |offset: u64| {
        let mut h =
            bytes.iter().fold(offset, |h, &b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
        h = (h ^ (h >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        h = (h ^ (h >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        h ^ (h >> 31)
    };
    let mut seed = [0u8; 16];
    seed[..8].copy_from_slice(&hash(0xcbf2_9ce4_8422_2325).to_le_bytes());
    seed[8..].copy_from_slice(&hash(0x8422_2325_cbf2_9ce4).to_le_bytes());
    seed
}

/// A built command writes a line that parses, whole, to the same command;
/// every strict prefix of that line is incomplete.
pub fn command_built(bytes: &[u8]) {
    let Some(command) = generate(&strategies::command::command(), bytes) else { return };
    let wire = command.to_bytes();
    let options = CommandOptions::default();
    let parsed = parse_command(&wire, &options)
        .unwrap_or_else(|e| panic!("the wire form {} does not parse: {e}", show(&wire)));
    assert_eq!(
        parsed.map(|command| command.into_owned()),
        Status::Complete { value: command, consumed: wire.len() },
        "the wire form {} parses to another command",
        show(&wire)
    );
    for end in 0..wire.len() {
        assert!(
            matches!(parse_command(&wire[..end], &options), Ok(Status::Incomplete)),
            "the prefix {} of a command is not incomplete",
            show(&wire[..end])
        );
    }
}

/// A built reply writes lines that parse, whole, to the same reply; built
/// capabilities write an EHLO reply that reads back to them.
pub fn reply_built(bytes: &[u8]) {
    let (half, rest) = bytes.split_at(bytes.len() / 2);
    let options =
        ReplyOptions { line_limit: usize::MAX, size_limit: usize::MAX, ..Default::default() };

    if let Some(reply) = generate(&strategies::reply::reply(), half) {
        let wire = reply.to_bytes();
        let parsed = parse_reply(&wire, &options)
            .unwrap_or_else(|e| panic!("the wire form {} does not parse: {e}", show(&wire)));
        assert_eq!(
            parsed.map(|reply| reply.into_owned()),
            Status::Complete { value: reply, consumed: wire.len() },
            "the wire form {} parses to another reply",
            show(&wire)
        );
    }

    if let Some(capabilities) = generate(&strategies::reply::capabilities(), rest) {
        let wire = capabilities.to_reply().to_bytes();
        let Ok(Status::Complete { value, .. }) = parse_reply(&wire, &options) else {
            panic!("the EHLO reply {} does not parse", show(&wire));
        };
        let again = Capabilities::from_reply(&value).expect("an EHLO reply that we wrote");
        assert_eq!(again, capabilities, "the EHLO reply {} reads otherwise", show(&wire));
    }
}

/// A message built from generated fields parses back to the same values:
/// From, To, Date, Message-ID and Subject; its header section writes back
/// the very bytes it was read from.
pub fn header_built(bytes: &[u8]) {
    let strategy = (
        strategies::field::mailbox(),
        strategies::field::address_list(),
        "\\PC{0,120}",
        strategies::field_date::date_time(),
        strategies::field::message_id(),
        proptest::bool::ANY,
    );
    let Some((from, to, subject, date, id, utf8)) = generate(&strategy, bytes) else { return };
    let builder = MessageBuilder::new()
        .from(from.clone())
        .subject(subject.clone())
        .date(date)
        .message_id(id.clone())
        .utf8(utf8);
    let builder = to.addresses().iter().cloned().fold(builder, |b, a| b.to(a));
    let message = builder.build().expect("every generated value can be written");

    let options = HeaderOptions::default();
    let Ok(Status::Complete { value: section, consumed }) =
        parse_header_section(&message, &options)
    else {
        panic!("the built message {} does not parse", show(&message));
    };
    assert_eq!(section.to_bytes(), &message[..consumed], "the section does not write back");
    let field = |name: &str| {
        section.get(name).unwrap_or_else(|| panic!("no {name} in {}", show(&message))).raw_value()
    };
    let from_list = mailbox_list(field("From")).expect("From parses");
    assert_eq!(from_list.mailboxes().first(), Some(&from));
    assert_eq!(address_list(field("To")).expect("To parses"), to);
    assert_eq!(date_time(field("Date")).expect("Date parses"), date);
    assert_eq!(msg_id(field("Message-ID")).expect("Message-ID parses"), id);
    let read_subject = section.get("Subject").expect("a subject").unstructured().into_owned();
    assert_eq!(read_subject.trim(), subject.trim(), "in {}", show(&message));
}
