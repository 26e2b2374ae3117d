//! Conversations with a session: whole sessions as input bytes, and the
//! reply codes, enhanced codes and messages they must give.

use proptest::prelude::*;
use smtpkit_codec::{parse_reply, BareLineEndings, Reply, ReplyOptions, Status};

use super::*;
use crate::config::Extensions;
use crate::message::{Transfer, Violation};
use crate::tls::TlsFacts;

/// What a session made of some input: the replies as (code, enhanced
/// code), the messages, and the events that were not messages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Outcome {
    replies: Vec<(u16, String)>,
    messages: Vec<ReceivedMessage>,
    closed: Vec<CloseReason>,
}

/// Parses every reply of `output`, failing the test on anything that is
/// not a well-formed reply.
fn replies_of(output: &[u8]) -> Vec<(u16, String)> {
    let mut replies = Vec::new();
    let mut rest = output;
    while !rest.is_empty() {
        match parse_reply(rest, &ReplyOptions::default()) {
            Ok(Status::Complete { value, consumed }) => {
                let enhanced = value.enhanced_code().map(|e| e.to_string()).unwrap_or_default();
                replies.push((value.code().get(), enhanced));
                rest = &rest[consumed..];
            }
            other => panic!("not a reply: {other:?} in {:?}", rest.escape_ascii().to_string()),
        }
    }
    replies
}

/// Collects what a session queued.
fn outcome(session: &mut Session) -> Outcome {
    let replies = replies_of(&session.take_output());
    let mut messages = Vec::new();
    let mut closed = Vec::new();
    for event in session.events() {
        match event {
            Event::MessageReceived(message) => messages.push(*message),
            Event::Closed { reason } => closed.push(reason),
        }
    }
    Outcome { replies, messages, closed }
}

/// The peer of every session in these tests.
const PEER: &str = "192.0.2.1:1025";

/// Runs `input` through a new session in one piece.
fn converse_with(config: SessionConfig, input: &[u8]) -> Outcome {
    let mut session = Session::new(config, PEER).expect("a valid configuration");
    session.receive(input);
    outcome(&mut session)
}

/// Runs `input` through a session with the default configuration.
fn converse(input: &[u8]) -> Outcome {
    converse_with(SessionConfig::default(), input)
}

/// The reply codes of an outcome.
fn codes(outcome: &Outcome) -> Vec<u16> {
    outcome.replies.iter().map(|(code, _)| *code).collect()
}

/// The start of every transaction in these tests.
const OPEN: &str =
    "EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n";

#[test]
fn the_telnet_lesson_stores_exactly_the_message_typed() {
    let input = b"EHLO example.net\r\n\
        MAIL FROM:<hoge@example.net>\r\n\
        RCPT TO:<fuga@example.net>\r\n\
        DATA\r\n\
        \r\n\
        Hello, this is HAL-9000.\r\n\
        I can sing songs.\r\n\
        \r\n\
        .\r\n\
        QUIT\r\n";
    let outcome = converse(input);
    assert_eq!(codes(&outcome), [220, 250, 250, 250, 354, 250, 221]);
    assert_eq!(outcome.closed, [CloseReason::Quit]);

    let [message] = &outcome.messages[..] else { panic!("one message: {outcome:?}") };
    assert_eq!(message.content, b"\r\nHello, this is HAL-9000.\r\nI can sing songs.\r\n\r\n");
    assert_eq!(message.envelope.reverse_path.to_string(), "<hoge@example.net>");
    assert_eq!(message.envelope.recipients.len(), 1);
    assert_eq!(message.transfer, Transfer::Data);
    assert_eq!(message.sequence, 1);
    assert_eq!(
        message.facts.hello.as_ref().map(|h| h.name.to_string()).as_deref(),
        Some("example.net")
    );
    assert!(message.violations.is_empty());
    let transcript = message.transcript.to_string();
    assert!(transcript.starts_with("S: 220 localhost"), "{transcript}");
    assert!(transcript.ends_with("C: .\n"), "{transcript}");
}

#[test]
fn commands_out_of_sequence_get_503_and_the_session_goes_on() {
    let table: &[(&str, &[u16])] = &[
        ("MAIL FROM:<a@example.org>\r\n", &[220, 503]),
        ("RCPT TO:<b@example.org>\r\n", &[220, 503]),
        ("DATA\r\n", &[220, 503]),
        ("EHLO c\r\nRCPT TO:<b@example.org>\r\n", &[220, 250, 503]),
        ("EHLO c\r\nDATA\r\n", &[220, 250, 503]),
        ("EHLO c\r\nMAIL FROM:<a@example.org>\r\nDATA\r\n", &[220, 250, 250, 503]),
        ("EHLO c\r\nMAIL FROM:<a@example.org>\r\nMAIL FROM:<a@example.org>\r\n", &[220, 250, 250, 503]),
        ("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRSET\r\nRCPT TO:<b@example.org>\r\n", &[220, 250, 250, 250, 503]),
        ("EHLO c\r\nBDAT 3 LAST\r\nabc", &[220, 250, 503]),
        ("EHLO c\r\nMAIL FROM:<a@example.org> BODY=BINARYMIME\r\nRCPT TO:<b@example.org>\r\nDATA\r\n", &[220, 250, 250, 250, 503]),
        ("EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 1\r\nxDATA\r\n", &[220, 250, 250, 250, 250, 503]),
    ];
    for &(input, expected) in table {
        let outcome = converse(format!("{input}NOOP\r\n").as_bytes());
        let mut expected = expected.to_vec();
        expected.push(250);
        assert_eq!(codes(&outcome), expected, "{input:?}");
        let last_error = outcome.replies.iter().rev().nth(1).expect("an error reply");
        assert_eq!(last_error, &(503, "5.5.1".to_owned()), "{input:?}");
    }
}

#[test]
fn syntax_errors_get_their_codec_reply_and_the_session_goes_on() {
    let table: &[(&[u8], u16, &str)] = &[
        (b"FROB\r\n", 500, "5.5.2"),
        (b"RSET\r\nMAIL FROM:<a@example.org\r\n", 501, "5.1.7"),
        (b"RSET\r\nMAIL FROM:<a@example.org> X-FOO=1\r\n", 555, "5.5.4"),
        (b"RSET\r\nMAIL FROM:<a@example.org> BODY=8BITMIME SIZE=x\r\n", 501, "5.5.4"),
        (b"RCPT TO:<b@example.org> X-BAR\r\n", 555, "5.5.4"),
        (b"NOOP\n", 500, "5.5.2"),
        (b"NO\rOP\r\n", 500, "5.5.2"),
        (b"RCPT TO:<b\xc3\xa9@example.org>\r\n", 553, "5.6.7"),
        (b"EXPN staff\r\n", 502, "5.5.1"),
        (b"STARTTLS\r\n", 502, "5.5.1"),
        (b"LHLO c\r\n", 500, "5.5.2"),
    ];
    for &(line, code, enhanced) in table {
        let input = [OPEN.as_bytes(), line, b"VRFY b\r\n"].concat();
        let outcome = converse(&input);
        let tail = &outcome.replies[outcome.replies.len() - 2..];
        assert_eq!(tail, [(code, enhanced.to_owned()), (252, "2.0.0".to_owned())], "{line:?}");
    }
}

#[test]
fn commands_outside_a_transaction_get_their_fixed_replies() {
    let table: &[(&str, u16, &str)] = &[
        ("NOOP\r\n", 250, "2.0.0"),
        ("NOOP anything\r\n", 250, "2.0.0"),
        ("RSET\r\n", 250, "2.0.0"),
        ("VRFY postmaster\r\n", 252, "2.0.0"),
        ("EXPN staff\r\n", 502, "5.5.1"),
        ("HELP\r\n", 214, "2.0.0"),
        ("HELP MAIL\r\n", 214, "2.0.0"),
        ("AUTH PLAIN\r\n", 502, "5.5.1"),
        ("QUIT\r\n", 221, "2.0.0"),
    ];
    for &(line, code, enhanced) in table {
        let outcome = converse(line.as_bytes());
        assert_eq!(outcome.replies[1..], [(code, enhanced.to_owned())], "{line:?}");
    }
}

#[test]
fn policy_answers_any_command_in_place_of_the_session() {
    let policy = |phase: Phase<'_>| match phase {
        Phase::Command { command: Command::Noop(_) } => Decision::Reply(Reply::mailbox_busy()),
        Phase::Command { command: Command::Vrfy(_) } => Decision::Drop { with_421: false },
        _ => Decision::Continue,
    };
    let mut session =
        Session::with_policy(SessionConfig::default(), PEER, Box::new(policy)).expect("valid");
    session.receive(b"NOOP\r\nVRFY x\r\nNOOP\r\n");
    let outcome = outcome(&mut session);
    assert_eq!(codes(&outcome), [220, 450]);
    assert_eq!(outcome.closed, [CloseReason::Policy]);
}

#[test]
fn parameters_of_extensions_not_offered_get_555() {
    let helo = "HELO c\r\nMAIL FROM:<a@example.org> SIZE=10\r\n";
    assert_eq!(codes(&converse(helo.as_bytes())), [220, 250, 555]);

    let table: &[(Extensions, &str)] = &[
        (Extensions { eight_bit_mime: false, ..Extensions::default() }, "BODY=8BITMIME"),
        (Extensions { binarymime: false, ..Extensions::default() }, "BODY=BINARYMIME"),
        (Extensions { chunking: false, ..Extensions::default() }, "BODY=BINARYMIME"),
        (Extensions { smtputf8: false, ..Extensions::default() }, "SMTPUTF8"),
        (Extensions { size: false, ..Extensions::default() }, "SIZE=10"),
        (Extensions { dsn: false, ..Extensions::default() }, "RET=HDRS"),
    ];
    for &(extensions, parameter) in table {
        let config = SessionConfig { extensions, ..SessionConfig::default() };
        let input = format!("EHLO c\r\nMAIL FROM:<a@example.org> {parameter}\r\n");
        assert_eq!(codes(&converse_with(config, input.as_bytes())), [220, 250, 555], "{parameter}");
        let input = format!("EHLO c\r\nMAIL FROM:<a@example.org> {parameter}\r\n");
        assert_eq!(codes(&converse(input.as_bytes())), [220, 250, 250], "{parameter} offered");
    }
}

#[test]
fn utf8_addresses_need_the_smtputf8_parameter() {
    let without = "EHLO c\r\nMAIL FROM:<j\u{f6}rg@example.org>\r\n";
    let outcome = converse(without.as_bytes());
    assert_eq!(outcome.replies[2], (553, "5.6.7".to_owned()));

    let with =
        "EHLO c\r\nMAIL FROM:<j\u{f6}rg@example.org> SMTPUTF8\r\nRCPT TO:<m\u{fc}@example.org>\r\n";
    assert_eq!(codes(&converse(with.as_bytes())), [220, 250, 250, 250]);
}

#[test]
fn recipients_are_accepted_up_to_the_limit_and_refused_past_it() {
    let config = SessionConfig { max_recipients: 3, ..SessionConfig::default() };
    let mut input = String::from("EHLO c\r\nMAIL FROM:<a@example.org>\r\n");
    for n in 0..4 {
        input.push_str(&format!("RCPT TO:<r{n}@example.org>\r\n"));
    }
    input.push_str("DATA\r\nx\r\n.\r\n");
    let outcome = converse_with(config, input.as_bytes());
    assert_eq!(codes(&outcome), [220, 250, 250, 250, 250, 250, 452, 354, 250]);
    assert_eq!(outcome.replies[6].1, "4.5.3");
    assert_eq!(outcome.messages[0].envelope.recipients.len(), 3);
}

#[test]
fn a_declared_size_over_the_limit_is_refused_at_mail() {
    let config = || SessionConfig { max_message_size: 100, ..SessionConfig::default() };
    let at = converse_with(config(), b"EHLO c\r\nMAIL FROM:<a@example.org> SIZE=100\r\n");
    assert_eq!(codes(&at), [220, 250, 250]);
    let past = converse_with(config(), b"EHLO c\r\nMAIL FROM:<a@example.org> SIZE=101\r\n");
    assert_eq!(past.replies[2], (552, "5.3.4".to_owned()));
}

#[test]
fn a_message_over_the_limit_is_read_to_its_end_and_not_stored() {
    let config = || SessionConfig { max_message_size: 10, ..SessionConfig::default() };
    let at = converse_with(config(), format!("{OPEN}DATA\r\n12345678\r\n.\r\nNOOP\r\n").as_bytes());
    assert_eq!(codes(&at), [220, 250, 250, 250, 354, 250, 250]);
    assert_eq!(at.messages.len(), 1);

    let past =
        converse_with(config(), format!("{OPEN}DATA\r\n123456789\r\n.\r\nNOOP\r\n").as_bytes());
    assert_eq!(codes(&past), [220, 250, 250, 250, 354, 552, 250]);
    assert_eq!(past.replies[5].1, "5.3.4");
    assert!(past.messages.is_empty());

    let bdat = converse_with(config(), format!("{OPEN}BDAT 10 LAST\r\n0123456789").as_bytes());
    assert_eq!(codes(&bdat), [220, 250, 250, 250, 250]);
    let bdat = converse_with(
        config(),
        format!("{OPEN}BDAT 6\r\n012345BDAT 5 LAST\r\n01234BDAT 1 LAST\r\nxNOOP\r\n").as_bytes(),
    );
    assert_eq!(codes(&bdat), [220, 250, 250, 250, 250, 552, 503, 250]);
    assert!(bdat.messages.is_empty());
}

#[test]
fn command_lines_are_read_up_to_the_limit_and_refused_past_it() {
    let limit = SessionConfig::default().command_options.line_limit;
    for (length, expected) in [(limit, (250, "2.0.0")), (limit + 1, (500, "5.5.6"))] {
        let line = format!("NOOP {}\r\n", "x".repeat(length - 7));
        assert_eq!(line.len(), length);
        let outcome = converse(format!("{line}NOOP\r\n").as_bytes());
        assert_eq!(outcome.replies[1], (expected.0, expected.1.to_owned()), "{length}");
        assert_eq!(outcome.replies[2], (250, "2.0.0".to_owned()), "{length}");
        assert_eq!(outcome.replies.len(), 3, "{length}");
    }

    // A line far too long is refused once, while it still arrives.
    let mut session = Session::new(SessionConfig::default(), "peer").expect("valid");
    session.receive(&vec![b'x'; 5 * limit]);
    session.receive(&vec![b'y'; limit]);
    session.receive(b"\r\nNOOP\r\n");
    assert_eq!(codes(&outcome(&mut session)), [220, 500, 250]);
}

#[test]
fn text_lines_are_read_up_to_the_limit_and_refused_past_it() {
    for (length, code) in [(1000, 250), (1001, 500)] {
        let line = "x".repeat(length - 2);
        let outcome = converse(format!("{OPEN}DATA\r\n{line}\r\n.\r\n").as_bytes());
        assert_eq!(outcome.replies.last().map(|r| r.0), Some(code), "{length}");
    }
}

#[test]
fn errors_are_answered_up_to_the_limit_then_the_session_closes() {
    let config = || SessionConfig { max_errors: 3, ..SessionConfig::default() };
    let at = converse_with(config(), b"FROB\r\nFROB\r\nFROB\r\nNOOP\r\n");
    assert_eq!(codes(&at), [220, 500, 500, 500, 250]);
    assert!(at.closed.is_empty());

    let past = converse_with(config(), b"FROB\r\nFROB\r\nFROB\r\nDATA\r\nNOOP\r\n");
    assert_eq!(codes(&past), [220, 500, 500, 500, 421]);
    assert_eq!(past.replies[4].1, "4.7.0");
    assert_eq!(past.closed, [CloseReason::TooManyErrors]);
}

#[test]
fn bdat_carries_binary_chunks_exactly() {
    let binary = b"\x00\r\n.\r\n\xff\nQUIT\r\n";
    let table: &[(Vec<u8>, &[u16], &[u8])] = &[
        (b"BDAT 0 LAST\r\n".to_vec(), &[250], b""),
        (b"BDAT 5 LAST\r\nhello".to_vec(), &[250], b"hello"),
        ([format!("BDAT {} LAST\r\n", binary.len()).as_bytes(), binary].concat(), &[250], binary),
        (b"BDAT 3\r\nabcBDAT 2\r\ndeBDAT 0 LAST\r\n".to_vec(), &[250, 250, 250], b"abcde"),
    ];
    for (chunks, expected, content) in table {
        let input = [OPEN.as_bytes(), chunks, b"QUIT\r\n"].concat();
        let outcome = converse(&input);
        let mut want = vec![220, 250, 250, 250];
        want.extend_from_slice(expected);
        want.push(221);
        assert_eq!(codes(&outcome), want, "{chunks:?}");
        let [message] = &outcome.messages[..] else { panic!("one message for {chunks:?}") };
        assert_eq!(&message.content, content);
        assert_eq!(message.transfer, Transfer::Bdat);
    }
}

#[test]
fn bdat_is_refused_but_read_when_chunking_is_not_offered() {
    let config = SessionConfig {
        extensions: Extensions { chunking: false, ..Extensions::default() },
        ..SessionConfig::default()
    };
    let input = format!("{OPEN}BDAT 6 LAST\r\nQUIT\r\nNOOP\r\n");
    let outcome = converse_with(config, input.as_bytes());
    assert_eq!(codes(&outcome), [220, 250, 250, 250, 502, 250]);
    assert!(outcome.messages.is_empty() && outcome.closed.is_empty());

    let helo = "HELO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\nBDAT 1 LAST\r\nx";
    assert_eq!(codes(&converse(helo.as_bytes())), [220, 250, 250, 250, 502]);
}

#[test]
fn smuggled_ends_of_data_neither_end_it_nor_run_as_commands() {
    let smuggled: [&[u8]; 5] = [b"\n.\n", b"\n.\r\n", b"\r\n.\n", b"\r.\r", b"\r\n.\r\r\n"];
    let policies = [BareLineEndings::Reject, BareLineEndings::Normalize, BareLineEndings::Preserve];
    for end in smuggled {
        for policy in policies {
            let config = SessionConfig { bare_line_endings: policy, ..SessionConfig::default() };
            let input = [
                format!("{OPEN}DATA\r\nSubject: one\r\n\r\nbody").as_bytes(),
                end,
                b"MAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.org>\r\nDATA\r\n",
                b"Subject: two\r\n.\r\nQUIT\r\n",
            ]
            .concat();
            let outcome = converse_with(config, &input);
            let context = format!("{:?} under {policy:?}", end.escape_ascii().to_string());

            // One reply to the one end of data, then QUIT's: the smuggled
            // MAIL, RCPT and DATA got no reply of their own.
            assert_eq!(outcome.replies.len(), 7, "{context}: {outcome:?}");
            assert_eq!(outcome.replies[6].0, 221, "{context}");
            match policy {
                BareLineEndings::Reject => {
                    assert_eq!(outcome.replies[5].0, 500, "{context}");
                    assert!(outcome.messages.is_empty(), "{context}");
                }
                _ => {
                    assert_eq!(outcome.replies[5], (250, "2.6.0".to_owned()), "{context}");
                    let [message] = &outcome.messages[..] else { panic!("{context}") };
                    assert!(message.content.windows(10).any(|w| w == b"MAIL FROM:"), "{context}");
                    assert!(
                        matches!(message.violations[..], [Violation::BareLineEndings { .. }]),
                        "{context}"
                    );
                }
            }
        }
    }
}

#[test]
fn normalized_bare_line_endings_are_recorded_as_violations() {
    let config =
        SessionConfig { bare_line_endings: BareLineEndings::Normalize, ..SessionConfig::default() };
    let outcome = converse_with(config, format!("{OPEN}DATA\r\na\nb\rc\r\n.\r\n").as_bytes());
    let [message] = &outcome.messages[..] else { panic!("one message") };
    assert_eq!(message.content, b"a\r\nb\r\nc\r\n");
    assert_eq!(
        message.violations,
        [Violation::BareLineEndings { bare_lf: 1, bare_cr: 1, first_offset: 1 }]
    );
}

#[test]
fn lmtp_answers_the_end_of_data_once_per_accepted_recipient() {
    let config = SessionConfig { lmtp: true, ..SessionConfig::default() };
    let input = b"LHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n\
        RCPT TO:<c@example.org>\r\nDATA\r\nHi\r\n.\r\nEHLO c\r\n";
    let outcome = converse_with(config, input);
    assert_eq!(codes(&outcome), [220, 250, 250, 250, 250, 354, 250, 250, 500]);
    assert_eq!(outcome.messages.len(), 1);
    assert_eq!(outcome.messages[0].facts.hello.as_ref().map(|h| h.verb), Some(HelloVerb::Lhlo));
}

#[test]
fn replies_carry_no_enhanced_codes_unless_offered() {
    let config = SessionConfig {
        extensions: Extensions { enhanced_status_codes: false, ..Extensions::default() },
        ..SessionConfig::default()
    };
    let outcome = converse_with(config, b"EHLO c\r\nDATA\r\nNOOP\r\n");
    assert!(outcome.replies.iter().all(|(_, enhanced)| enhanced.is_empty()), "{outcome:?}");
}

#[test]
fn policy_refuses_one_recipient_and_accepts_the_other() {
    let policy = |phase: Phase<'_>| match phase {
        Phase::Rcpt { forward_path, .. } if forward_path.to_string() == "<no@example.org>" => {
            Decision::Reply(Reply::mailbox_unavailable())
        }
        _ => Decision::Continue,
    };
    let mut session =
        Session::with_policy(SessionConfig::default(), "peer", Box::new(policy)).expect("valid");
    session.receive(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<no@example.org>\r\n");
    session.receive(b"RCPT TO:<yes@example.org>\r\nDATA\r\nx\r\n.\r\n");
    let outcome = outcome(&mut session);
    assert_eq!(codes(&outcome), [220, 250, 250, 550, 250, 354, 250]);
    let recipients = &outcome.messages[0].envelope.recipients;
    assert_eq!(recipients.len(), 1);
    assert_eq!(recipients[0].forward_path.to_string(), "<yes@example.org>");
}

#[test]
fn policy_greylists_the_first_mail_then_accepts() {
    let mut seen = 0;
    let policy = move |phase: Phase<'_>| match phase {
        Phase::Mail { .. } => {
            seen += 1;
            if seen == 1 {
                Decision::Reply(Reply::local_error())
            } else {
                Decision::Continue
            }
        }
        _ => Decision::Continue,
    };
    let mut session =
        Session::with_policy(SessionConfig::default(), "peer", Box::new(policy)).expect("valid");
    session.receive(b"EHLO c\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n");
    session.receive(b"MAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n");
    let outcome = outcome(&mut session);
    assert_eq!(codes(&outcome), [220, 250, 451, 503, 250, 250]);
    assert_eq!(outcome.replies[2].1, "4.3.0");
}

#[test]
fn policy_drops_the_connection_at_end_of_data_without_storing() {
    let policy = |phase: Phase<'_>| match phase {
        Phase::EndOfData { .. } => Decision::Drop { with_421: true },
        _ => Decision::Continue,
    };
    let mut session =
        Session::with_policy(SessionConfig::default(), "peer", Box::new(policy)).expect("valid");
    session.receive(format!("{OPEN}DATA\r\nx\r\n.\r\nNOOP\r\n").as_bytes());
    let outcome = outcome(&mut session);
    assert_eq!(codes(&outcome), [220, 250, 250, 250, 354, 421]);
    assert!(outcome.messages.is_empty());
    assert_eq!(outcome.closed, [CloseReason::Policy]);
}

#[test]
fn a_refused_greeting_leaves_only_quit() {
    let policy = |phase: Phase<'_>| match phase {
        Phase::Connect { .. } => Decision::Reply(Reply::transaction_failed()),
        _ => Decision::Continue,
    };
    let mut session =
        Session::with_policy(SessionConfig::default(), "peer", Box::new(policy)).expect("valid");
    session.receive(b"EHLO c\r\nQUIT\r\n");
    assert_eq!(codes(&outcome(&mut session)), [554, 503, 221]);
}

#[test]
fn an_expired_deadline_gets_421_and_closes() {
    let mut session = Session::new(SessionConfig::default(), "peer").expect("valid");
    assert!(session.is_idle_between_commands());
    session.receive(b"NO");
    assert!(!session.is_idle_between_commands());
    session.deadline_expired();
    session.deadline_expired();
    let outcome = outcome(&mut session);
    assert_eq!(outcome.replies, [(220, String::new()), (421, "4.4.2".to_owned())]);
    assert_eq!(outcome.closed, [CloseReason::Timeout]);
    session.receive(b"OP\r\n");
    assert!(session.take_output().is_empty());
}

#[test]
fn the_session_reports_reading_a_message() {
    let mut session = Session::new(SessionConfig::default(), "peer").expect("valid");
    session.receive(format!("{OPEN}DATA\r\n").as_bytes());
    assert!(session.is_reading_message() && !session.is_idle_between_commands());
    session.receive(b".\r\n");
    assert!(!session.is_reading_message() && session.is_idle_between_commands());
    assert_eq!(session.messages_received(), 1);
}

#[test]
fn an_unusable_hostname_is_a_configuration_error() {
    for hostname in ["", "two words", "tab\there", "2.0.0"] {
        let config = SessionConfig { hostname: hostname.into(), ..SessionConfig::default() };
        assert!(Session::new(config, "peer").is_err(), "{hostname:?}");
    }
}

/// Whole sessions that exercise every state, for the property tests.
const SESSIONS: [&[u8]; 5] = [
    b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\nRCPT TO:<fuga@example.net>\r\nDATA\r\n\r\nHello.\r\n..dot\r\n.\r\nQUIT\r\n",
    b"EHLO c\r\nMAIL FROM:<a@b> BODY=BINARYMIME\r\nRCPT TO:<c@d>\r\nBDAT 7\r\n\r\n.\r\n\x00\xffBDAT 3 LAST\r\nendNOOP\r\nQUIT\r\n",
    b"FROB\r\nEHLO c\r\nMAIL FROM:<a@b\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nbad\nline\r\n.\r\nRSET\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nDATA\r\nok\r\n.\r\n",
    b"HELO c\r\nVRFY x\r\nEXPN y\r\nHELP\r\nMAIL FROM:<>\r\nRCPT TO:<Postmaster>\r\nDATA\r\nx\r\n..\r\n.\r\nQUIT\r\n",
    b"EHLO c\r\nMAIL FROM:<a@b>\r\nRCPT TO:<c@d>\r\nBDAT 2\r\nabDATA\r\nBDAT 0 LAST\r\nMAIL FROM:<a@b>\r\nQUIT\r\n",
];

/// Runs `input` split at `cuts` (offsets, in any order).
fn converse_split(input: &[u8], cuts: &[usize]) -> Outcome {
    let mut cuts: Vec<usize> = cuts.iter().map(|&cut| cut % (input.len() + 1)).collect();
    cuts.sort_unstable();
    let mut session = Session::new(SessionConfig::default(), PEER).expect("valid");
    let mut start = 0;
    for cut in cuts.into_iter().chain([input.len()]) {
        session.receive(&input[start..cut]);
        start = cut;
    }
    outcome(&mut session)
}

#[test]
fn the_same_session_byte_by_byte_gives_the_same_outcome() {
    for input in SESSIONS {
        let whole = converse(input);
        let cuts: Vec<usize> = (0..input.len()).collect();
        assert_eq!(converse_split(input, &cuts), whole, "{:?}", input.escape_ascii().to_string());
        assert!(!whole.messages.is_empty());
    }
}

/// Fragments that sessions are made of, valid and not, for generated
/// sessions.
const FRAGMENTS: [&[u8]; 20] = [
    b"EHLO c\r\n",
    b"HELO c\r\n",
    b"MAIL FROM:<a@b>\r\n",
    b"MAIL FROM:<a@b> SIZE=20\r\n",
    b"RCPT TO:<c@d>\r\n",
    b"DATA\r\n",
    b"line\r\n",
    b".\r\n",
    b"..\r\n",
    b"\n.\n",
    b"\r\n.\r\n",
    b"BDAT 4\r\n",
    b"BDAT 3 LAST\r\n",
    b"abcd",
    b"RSET\r\n",
    b"NOOP\r\n",
    b"FROB\r\n",
    b"QUIT\r\n",
    b"\x00\xff\r",
    b"x",
];

/// Concatenations of fragments.
fn generated_session() -> impl Strategy<Value = Vec<u8>> {
    prop::collection::vec(prop::sample::select(&FRAGMENTS[..]), 0..40)
        .prop_map(|parts| parts.concat())
}

proptest! {
    #[test]
    fn any_split_of_a_session_gives_the_same_outcome(
        index in 0..SESSIONS.len(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let input = SESSIONS[index];
        prop_assert_eq!(converse_split(input, &cuts), converse(input));
    }

    #[test]
    fn any_split_of_a_generated_session_gives_the_same_outcome(
        input in generated_session(),
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        prop_assert_eq!(converse_split(&input, &cuts), converse(&input));
    }

    #[test]
    fn any_bytes_give_well_formed_replies(input in prop::collection::vec(any::<u8>(), 0..2048)) {
        // `outcome` fails the test on any output that is not replies.
        let outcome = converse(&input);
        prop_assert!(outcome.messages.is_empty() || input.windows(4).any(|w| w == b"DATA" || w == b"BDAT"));
    }

    #[test]
    fn what_a_session_holds_stays_within_its_limits(
        input in prop_oneof![generated_session(), prop::collection::vec(any::<u8>(), 0..2048)],
        cuts in prop::collection::vec(any::<usize>(), 0..8),
    ) {
        let config = SessionConfig { max_message_size: 64, ..SessionConfig::default() };
        let bound = config.command_options.line_limit.max(config.command_options.auth_line_limit)
            + 64
            + crate::TRANSCRIPT_LIMIT;
        let mut session = Session::new(config, "test").expect("valid settings");
        let mut cuts = cuts.iter().map(|&cut| cut % (input.len() + 1)).collect::<Vec<_>>();
        cuts.sort_unstable();
        let mut start = 0;
        for end in cuts.into_iter().chain([input.len()]) {
            session.receive(&input[start..end]);
            session.take_output();
            prop_assert!(session.held_octets() <= bound, "{} > {bound}", session.held_octets());
            start = end;
        }
    }

    #[test]
    fn every_accepted_end_of_data_emits_exactly_one_message(input in generated_session()) {
        let config = SessionConfig { max_message_size: 64, ..SessionConfig::default() };
        let outcome = converse_with(config, &input);
        let accepted = outcome.replies.iter().filter(|(_, enhanced)| enhanced == "2.6.0").count();
        prop_assert_eq!(accepted, outcome.messages.len());
        for (index, message) in outcome.messages.iter().enumerate() {
            prop_assert_eq!(message.sequence, index as u64 + 1);
            prop_assert!(message.content.len() <= 64);
        }
    }
}

#[test]
fn a_session_holds_its_line_message_and_untaken_replies() {
    let mut session = Session::new(SessionConfig::default(), "test").expect("valid settings");
    let greeting = session.take_output().len();
    assert_eq!(session.held_octets(), session.transcript.len());
    assert!(greeting > 0);

    session.receive(b"EHLO a.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@example.org>\r\n");
    session.receive(b"DATA\r\nSubject: x\r\n\r\nhel");
    let untaken = session.outbox.len();
    let held = session.held_octets();
    assert_eq!(held, session.transcript.len() + untaken + b"Subject: x\r\n\r\nhel".len());
    session.take_output();
    session.receive(b"lo");
    assert_eq!(
        session.held_octets(),
        session.transcript.len() + b"Subject: x\r\n\r\nhello".len(),
        "the replies were taken; the body grew"
    );
    session.receive(b"\r\n.\r\n");
    session.take_output();
    assert_eq!(session.held_octets(), session.transcript.len(), "the message went out as an event");
}

/// A session that offers STARTTLS, and requires it when `require`.
fn tls_session(require: bool) -> Session {
    let config = SessionConfig { starttls: true, require_tls: require, ..SessionConfig::default() };
    let mut session = Session::new(config, PEER).expect("a valid configuration");
    session.take_output();
    session
}

/// Facts of a TLS session, as the I/O layer would give them.
fn tls_facts() -> TlsFacts {
    TlsFacts {
        version: "TLSv1_3".into(),
        cipher_suite: "TLS13_AES_128_GCM_SHA256".into(),
        implicit: false,
    }
}

/// True when the reply to EHLO in `output` lists STARTTLS.
fn offers_starttls(output: &[u8]) -> bool {
    String::from_utf8_lossy(output).lines().any(|line| line.ends_with("STARTTLS"))
}

#[test]
fn starttls_is_offered_only_with_a_certificate_and_only_before_tls() {
    let mut plain = Session::new(SessionConfig::default(), PEER).expect("valid");
    plain.receive(b"EHLO client.example\r\nSTARTTLS\r\n");
    let output = plain.take_output();
    assert!(!offers_starttls(&output));
    assert_eq!(replies_of(&output)[2], (502, "5.5.1".into()), "not offered, not done");

    let mut session = tls_session(false);
    session.receive(b"EHLO client.example\r\n");
    assert!(offers_starttls(&session.take_output()));
    session.receive(b"STARTTLS\r\n");
    assert_eq!(replies_of(&session.take_output()), [(220, "2.0.0".into())]);
    assert!(session.is_starting_tls());
    session.tls_established(tls_facts());
    assert!(!session.is_starting_tls());
    session.receive(b"EHLO client.example\r\n");
    assert!(!offers_starttls(&session.take_output()), "offered no more over TLS");
    session.receive(b"STARTTLS\r\n");
    assert_eq!(replies_of(&session.take_output()), [(503, "5.5.1".into())]);
}

#[test]
fn commands_pipelined_after_starttls_are_discarded_not_run() {
    let mut session = tls_session(false);
    session.receive(b"EHLO client.example\r\n");
    session.take_output();
    // An attacker's commands in the same packet as STARTTLS.
    session
        .receive(b"STARTTLS\r\nMAIL FROM:<evil@example.org>\r\nRCPT TO:<victim@example.net>\r\n");
    session.receive(b"DATA\r\nforged\r\n.\r\n");
    assert_eq!(replies_of(&session.take_output()), [(220, "2.0.0".into())]);

    session.tls_established(tls_facts());
    // The greeting and anything else from before TLS is forgotten.
    assert_eq!(session.facts().hello, None);
    session.receive(b"MAIL FROM:<a@example.org>\r\n");
    assert_eq!(replies_of(&session.take_output()), [(503, "5.5.1".into())], "EHLO first");
    session.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n");
    session.receive(b"RCPT TO:<b@example.net>\r\nDATA\r\nreal\r\n.\r\n");
    let outcome = outcome(&mut session);
    assert_eq!(codes(&outcome), [250, 250, 250, 354, 250]);
    assert_eq!(outcome.messages.len(), 1);
    assert_eq!(outcome.messages[0].content, b"real\r\n");
    assert_eq!(outcome.messages[0].facts.tls, Some(tls_facts()));
}

#[test]
fn starttls_within_a_transaction_or_with_a_parameter_is_refused() {
    let mut session = tls_session(false);
    session.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nSTARTTLS\r\n");
    session.receive(b"STARTTLS now\r\nRSET\r\n");
    let replies = replies_of(&session.take_output());
    assert_eq!(replies[2], (503, "5.5.1".into()));
    assert_eq!(replies[3].0, 501);
    assert_eq!(replies[4], (250, "2.0.0".into()), "the session goes on");
    assert!(!session.is_starting_tls());
}

#[test]
fn mail_waits_for_tls_when_it_is_required() {
    let mut session = tls_session(true);
    session.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nSTARTTLS\r\n");
    let replies = replies_of(&session.take_output());
    assert_eq!(replies[1], (530, "5.7.0".into()));
    assert_eq!(replies[2], (220, "2.0.0".into()));
    session.tls_established(tls_facts());
    session.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\n");
    assert_eq!(codes(&outcome(&mut session)), [250, 250]);
}

#[test]
fn a_closed_session_stays_closed_after_a_handshake() {
    let mut session = tls_session(false);
    session.receive(b"QUIT\r\n");
    session.tls_established(tls_facts());
    assert!(session.is_closed());
}

/// A session with AUTH for hoge (password `secret`), on a loopback peer
/// where plaintext AUTH is allowed when `loopback`.
fn auth_session(loopback: bool) -> Session {
    let config = SessionConfig {
        auth: crate::config::AuthMode::users([("hoge", "secret")]),
        auth_without_tls_on_loopback: true,
        ..SessionConfig::default()
    };
    let peer = if loopback { "127.0.0.1:40000" } else { PEER };
    let mut session = Session::new(config, peer).expect("a valid configuration");
    session.receive(b"EHLO client.example\r\n");
    session.take_output();
    session
}

/// Base64 of `bytes`.
fn b64(bytes: &[u8]) -> String {
    use base64::Engine as _;
    base64::engine::general_purpose::STANDARD.encode(bytes)
}

#[test]
fn auth_plain_and_login_accept_the_right_password_only() {
    let table: &[(String, u16)] = &[
        (format!("AUTH PLAIN {}\r\n", b64(b"\0hoge\0secret")), 235),
        (format!("AUTH PLAIN {}\r\n", b64(b"\0hoge\0wrong")), 535),
        (format!("AUTH PLAIN {}\r\n", b64(b"\0fuga\0secret")), 535),
        (format!("AUTH PLAIN\r\n{}\r\n", b64(b"admin\0hoge\0secret")), 235),
        (format!("AUTH LOGIN\r\n{}\r\n{}\r\n", b64(b"hoge"), b64(b"secret")), 235),
        (format!("AUTH LOGIN {}\r\n{}\r\n", b64(b"hoge"), b64(b"wrong")), 535),
        ("AUTH PLAIN\r\n*\r\n".to_owned(), 501),
        ("AUTH PLAIN not-base64!\r\n".to_owned(), 501),
        ("AUTH PLAIN\r\n!!!\r\n".to_owned(), 501),
        (format!("AUTH PLAIN {}\r\n", b64(b"no separators")), 501),
        ("AUTH SCRAM-SHA-256\r\n".to_owned(), 504),
    ];
    for (input, code) in table {
        let mut session = auth_session(true);
        session.receive(input.as_bytes());
        let replies = codes(&outcome(&mut session));
        assert_eq!(replies.last(), Some(code), "{input:?}: {replies:?}");
        assert_eq!(session.facts().auth.is_some(), *code == 235, "{input:?}");
    }
}

#[test]
fn auth_cram_md5_and_xoauth2_prove_the_secret() {
    let mut session = auth_session(true);
    session.receive(b"AUTH CRAM-MD5\r\n");
    let output = session.take_output();
    let text = String::from_utf8(output).expect("ASCII");
    let challenge = text.strip_prefix("334 ").expect("a challenge").trim_end();
    let challenge = {
        use base64::Engine as _;
        base64::engine::general_purpose::STANDARD.decode(challenge).expect("base64")
    };
    let challenge = String::from_utf8(challenge).expect("text");
    assert!(challenge.starts_with('<') && challenge.ends_with("@localhost>"), "{challenge}");
    let digest = super::auth::cram_md5_digest("secret", &challenge);
    session.receive(format!("{}\r\n", b64(format!("hoge {digest}").as_bytes())).as_bytes());
    assert_eq!(codes(&outcome(&mut session)), [235]);
    assert_eq!(session.facts().auth.as_deref(), Some("hoge"));

    let mut session = auth_session(true);
    let good = b64(b"user=hoge\x01auth=Bearer secret\x01\x01");
    let bad = b64(b"user=hoge\x01auth=Bearer other\x01\x01");
    session.receive(format!("AUTH XOAUTH2 {bad}\r\nAUTH XOAUTH2 {good}\r\n").as_bytes());
    assert_eq!(codes(&outcome(&mut session)), [535, 235]);
}

/// What a session with AUTH for hoge on loopback, its challenges seeded
/// with `seed`, answers to two CRAM-MD5 exchanges that are cancelled.
fn cram_md5_challenges(seed: Option<u64>) -> Vec<String> {
    let config = SessionConfig {
        auth: crate::config::AuthMode::users([("hoge", "secret")]),
        auth_without_tls_on_loopback: true,
        challenge_seed: seed,
        ..SessionConfig::default()
    };
    let mut session = Session::new(config, "127.0.0.1:40000").expect("a valid configuration");
    session.receive(b"EHLO client.example\r\nAUTH CRAM-MD5\r\n*\r\nAUTH CRAM-MD5\r\n*\r\n");
    let output = String::from_utf8(session.take_output()).expect("ASCII");
    let challenges: Vec<String> =
        output.lines().filter_map(|line| line.strip_prefix("334 ")).map(str::to_owned).collect();
    assert_eq!(challenges.len(), 2, "{output}");
    challenges
}

#[test]
fn cram_md5_challenges_never_repeat_unless_seeded() {
    let first = cram_md5_challenges(None);
    assert_ne!(first[0], first[1], "two challenges in one session");
    assert_ne!(first, cram_md5_challenges(None), "the same challenges in two sessions");

    // A fixed seed gives the same output for the same input, and still a
    // new challenge each time.
    let seeded = cram_md5_challenges(Some(7));
    assert_eq!(seeded, cram_md5_challenges(Some(7)));
    assert_ne!(seeded[0], seeded[1]);
    assert_ne!(seeded, cram_md5_challenges(Some(8)));
}

#[test]
fn auth_needs_tls_off_loopback_and_comes_once() {
    let mut session = auth_session(false);
    session.receive(format!("AUTH PLAIN {}\r\n", b64(b"\0hoge\0secret")).as_bytes());
    assert_eq!(replies_of(&session.take_output()), [(538, "5.7.11".into())]);
    session.tls_established(tls_facts());
    session.receive(b"EHLO client.example\r\n");
    assert!(String::from_utf8_lossy(&session.take_output())
        .contains("AUTH CRAM-MD5 PLAIN LOGIN XOAUTH2"));
    session.receive(format!("AUTH PLAIN {}\r\n", b64(b"\0hoge\0secret")).as_bytes());
    session.receive(format!("AUTH PLAIN {}\r\n", b64(b"\0hoge\0secret")).as_bytes());
    session.receive(b"MAIL FROM:<hoge@example.net> AUTH=<>\r\nRCPT TO:<fuga@example.net>\r\n");
    session.receive(b"DATA\r\nHi\r\n.\r\n");
    let outcome = outcome(&mut session);
    assert_eq!(codes(&outcome), [235, 503, 250, 250, 354, 250]);
    assert_eq!(outcome.messages[0].facts.auth.as_deref(), Some("hoge"));

    // With AUTH off, EHLO does not list it and AUTH gets 502 as before.
    let mut plain = Session::new(SessionConfig::default(), PEER).expect("valid");
    plain.receive(b"EHLO client.example\r\nAUTH PLAIN\r\n");
    let output = plain.take_output();
    assert!(!String::from_utf8_lossy(&output).contains("AUTH"), "not offered");
    assert_eq!(replies_of(&output).last(), Some(&(502, "5.5.1".into())));
}

#[test]
fn auth_response_lines_are_bounded() {
    let mut session = auth_session(true);
    session.receive(b"AUTH PLAIN\r\n");
    session.take_output();
    session.receive(&vec![b'A'; smtpkit_codec::line::AUTH_LINE_LIMIT + 10]);
    session.receive(b"\r\nNOOP\r\n");
    let replies = codes(&outcome(&mut session));
    assert_eq!(replies, [500, 250], "too long, then the session goes on");
    // Only the bounded transcript keeps the line.
    assert!(session.held_octets() - session.transcript().len() < 1024);
}

#[test]
fn auth_secrets_never_reach_the_transcript_or_the_client_view() {
    let secrets = [b64(b"\0hoge\0secret"), b64(b"hoge"), b64(b"secret"), b64(b"\0hoge\0wrong")];
    let input = format!(
        "AUTH PLAIN {}\r\nAUTH PLAIN\r\n*\r\nAUTH LOGIN\r\n{}\r\n{}\r\nNOOP\r\n",
        secrets[3], secrets[1], secrets[2]
    );
    // Whole, and one byte at a time: a secret split across reads is
    // left out all the same.
    for split in [input.len(), 1] {
        let mut session = auth_session(true);
        session.keep_client_view();
        for piece in input.as_bytes().chunks(split) {
            session.receive(piece);
        }
        assert_eq!(codes(&outcome(&mut session)), [535, 334, 501, 334, 334, 235, 250]);
        let transcript = session.transcript().to_string();
        let view = String::from_utf8(session.take_client_view()).expect("ASCII");
        for secret in &secrets {
            assert!(!transcript.contains(secret.as_str()), "{secret} in {transcript}");
        }
        assert!(transcript.contains("C: AUTH PLAIN <redacted>\n"), "{transcript}");
        assert!(transcript.contains("C: AUTH LOGIN\nS: 334 VXNlcm5hbWU6\nC: <redacted>\n"));
        assert_eq!(
            view,
            "AUTH PLAIN <redacted>\r\nAUTH PLAIN\r\n*\r\nAUTH LOGIN\r\n<redacted>\r\n\
             <redacted>\r\nNOOP\r\n",
            "the view starts when it is asked for"
        );
        assert!(session.take_client_view().is_empty(), "taken once");
    }

    // A response cut at the AUTH line limit is left out with its rest.
    let mut session = auth_session(true);
    session.receive(b"AUTH PLAIN\r\n");
    let long = vec![b'Q'; smtpkit_codec::line::AUTH_LINE_LIMIT + 10];
    session.receive(&long);
    session.receive(b"QQQ\r\nNOOP\r\n");
    assert_eq!(codes(&outcome(&mut session)), [334, 500, 250]);
    let transcript = session.transcript().to_string();
    assert!(!transcript.contains("QQ"), "{transcript}");
    assert!(transcript
        .ends_with("C: <redacted>\nS: 500 5.5.6 line too long\nC: NOOP\nS: 250 2.0.0 ok\n"));
}

#[test]
fn a_line_cut_off_by_the_deadline_is_recorded_before_the_421() {
    let mut session = Session::new(SessionConfig::default(), PEER).expect("valid");
    session.keep_client_view();
    session.receive(b"EHLO client.example\r\nMAIL FR");
    session.deadline_expired();
    let transcript = session.transcript().to_string();
    assert!(transcript.contains("C: MAIL FR\nS: 421 4.4.2 "), "{transcript}");
    assert!(session.take_client_view().ends_with(b"MAIL FR"));
}

#[test]
fn a_client_that_closes_mid_line_or_mid_message_ends_the_session_with_nothing_stored() {
    let mut session = Session::new(SessionConfig::default(), PEER).expect("valid");
    session.keep_client_view();
    session.receive(b"EHLO client.example\r\nMAIL FROM:<a@example.org>\r\nRCPT TO:<b@exa");
    session.client_closed();
    assert!(session.is_closed());
    let transcript = session.transcript().to_string();
    assert!(transcript.ends_with("S: 250 2.1.0 sender ok\nC: RCPT TO:<b@exa\n"), "{transcript}");
    assert!(session.take_client_view().ends_with(b"RCPT TO:<b@exa"));
    session.client_closed();
    session.receive(b"ample.org>\r\n");
    let closed = outcome(&mut session);
    assert_eq!(closed.closed, [CloseReason::Disconnected]);
    assert_eq!(codes(&closed), [220, 250, 250]);

    // A message whose data had not ended is dropped, never emitted.
    let mut session = Session::new(SessionConfig::default(), PEER).expect("valid");
    session.receive(format!("{OPEN}DATA\r\nSubject: cut\r\n\r\nhalf a messa").as_bytes());
    session.client_closed();
    let dropped = outcome(&mut session);
    assert!(dropped.messages.is_empty());
    assert_eq!(dropped.closed, [CloseReason::Disconnected]);
}

#[test]
fn a_response_sent_after_a_refused_auth_is_redacted_and_nothing_is_made_up() {
    // AUTH refused in a transaction; the client sends its response anyway.
    let mut session = auth_session(true);
    session.receive(b"MAIL FROM:<a@example.org>\r\nAUTH PLAIN\r\n");
    session.receive(format!("{}\r\nQUIT\r\n", b64(b"\0hoge\0secret")).as_bytes());
    assert_eq!(codes(&outcome(&mut session)), [250, 503, 500, 221]);
    let transcript = session.transcript().to_string();
    assert!(transcript.contains("C: AUTH PLAIN\nS: 503 5.5.1 "), "{transcript}");
    assert!(transcript.contains("C: <redacted>\nS: 500 "), "{transcript}");
    assert!(transcript.contains("C: QUIT\n"), "{transcript}");
    assert!(!transcript.contains(&b64(b"\0hoge\0secret")), "{transcript}");

    // A refused AUTH followed by a command keeps the command.
    let mut session = Session::new(SessionConfig::default(), PEER).expect("valid");
    session.receive(b"EHLO client.example\r\nAUTH LOGIN\r\nNOOP\r\n");
    assert!(session.transcript().to_string().ends_with("C: NOOP\nS: 250 2.0.0 ok\n"));

    // An exchange left waiting records no line the client never sent.
    let mut session = auth_session(true);
    session.receive(b"AUTH LOGIN\r\n");
    session.deadline_expired();
    let transcript = session.transcript().to_string();
    assert!(!transcript.contains("<redacted>"), "{transcript}");
    let mut session = auth_session(true);
    session.receive(b"AUTH LOGIN\r\n");
    session.client_closed();
    assert!(!session.transcript().to_string().contains("<redacted>"));
}
