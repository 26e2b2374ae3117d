//! The fixed replies of the session that the codec has no constructor
//! for, and the writing of replies with or without enhanced status codes
//! (RFC 2034 §3).

use smtpkit_codec::{EnhancedStatusCode, Reply, ReplyCode};

/// `214`, the code of the reply to HELP (RFC 5321 §4.2.3).
const HELP_MESSAGE: u16 = 214;

/// A one-line reply of fixed parts, all of them written in this module and
/// checked by its tests.
fn fixed(code: u16, enhanced: EnhancedStatusCode, text: &'static str) -> Reply<'static> {
    let code = ReplyCode::new(code).expect("the fixed reply codes are within 200..=599");
    Reply::single(code, Some(enhanced), text).expect("the fixed reply texts are valid text")
}

/// `421 4.4.2`, sent when the client was silent past its deadline.
pub(crate) fn timeout() -> Reply<'static> {
    fixed(421, EnhancedStatusCode::BAD_CONNECTION, "timeout exceeded, closing connection")
}

/// `421 4.7.0`, sent when the client made too many errors.
pub(crate) fn too_many_errors() -> Reply<'static> {
    fixed(421, EnhancedStatusCode::TRANSIENT_SECURITY, "too many errors, closing connection")
}

/// `553 5.6.7` for a non-ASCII address in a transaction without SMTPUTF8
/// (RFC 6531 §3.4).
pub(crate) fn utf8_not_permitted() -> Reply<'static> {
    fixed(553, EnhancedStatusCode::UTF8_NOT_PERMITTED, "non-ASCII address needs SMTPUTF8")
}

/// `250 2.0.0 ok`, for NOOP and RSET.
pub(crate) fn ok() -> Reply<'static> {
    fixed(250, EnhancedStatusCode::OK, "ok")
}

/// `250 2.0.0` for a BDAT chunk that is not the last one.
pub(crate) fn chunk_received() -> Reply<'static> {
    fixed(250, EnhancedStatusCode::OK, "chunk received")
}

/// `220 2.0.0`, the answer to STARTTLS: the handshake comes next
/// (RFC 3207 §4).
pub(crate) fn ready_for_tls() -> Reply<'static> {
    fixed(220, EnhancedStatusCode::OK, "ready to start TLS")
}

/// `503 5.5.1` for STARTTLS over TLS already, or within a transaction.
pub(crate) fn starttls_out_of_sequence(tls: bool) -> Reply<'static> {
    let text = if tls { "TLS already active" } else { "STARTTLS within a transaction" };
    fixed(503, EnhancedStatusCode::INVALID_COMMAND, text)
}

/// `530 5.7.0` for MAIL before STARTTLS when TLS is required
/// (RFC 3207 §4).
pub(crate) fn tls_required() -> Reply<'static> {
    let security = EnhancedStatusCode::new(5, 7, 0).expect("a valid code");
    fixed(530, security, "must issue a STARTTLS command first")
}

/// `214 2.0.0`, the answer to HELP, naming the commands of the protocol
/// the session speaks.
pub(crate) fn help(lmtp: bool) -> Reply<'static> {
    let text = if lmtp {
        "commands: LHLO MAIL RCPT DATA BDAT RSET NOOP VRFY EXPN HELP QUIT"
    } else {
        "commands: HELO EHLO MAIL RCPT DATA BDAT RSET NOOP VRFY EXPN HELP QUIT"
    };
    fixed(HELP_MESSAGE, EnhancedStatusCode::OK, text)
}

/// Appends `reply` to `out`, without its enhanced status codes when the
/// session does not offer them: RFC 2034 §3 lets a server send them only
/// after the client was told.
pub(crate) fn write_reply(reply: &Reply<'_>, enhanced: bool, out: &mut Vec<u8>) {
    if enhanced {
        reply.write_to(out);
        return;
    }
    let code = reply.code().to_ascii();
    let count = reply.lines().len();
    for (index, line) in reply.lines().iter().enumerate() {
        out.extend_from_slice(&code);
        out.push(if index + 1 == count { b' ' } else { b'-' });
        out.extend_from_slice(line.text().as_bytes());
        out.extend_from_slice(b"\r\n");
    }
}

#[cfg(test)]
mod tests {
    use smtpkit_codec::{parse_reply, ReplyOptions, Status};

    use super::*;

    #[test]
    fn fixed_replies_are_built_without_panicking() {
        let table = [
            (timeout(), 421, "4.4.2"),
            (too_many_errors(), 421, "4.7.0"),
            (utf8_not_permitted(), 553, "5.6.7"),
            (ok(), 250, "2.0.0"),
            (chunk_received(), 250, "2.0.0"),
            (help(false), 214, "2.0.0"),
            (help(true), 214, "2.0.0"),
            (ready_for_tls(), 220, "2.0.0"),
            (starttls_out_of_sequence(true), 503, "5.5.1"),
            (starttls_out_of_sequence(false), 503, "5.5.1"),
            (tls_required(), 530, "5.7.0"),
        ];
        for (reply, code, enhanced) in table {
            assert_eq!(reply.code().get(), code);
            assert_eq!(reply.enhanced_code().map(|e| e.to_string()).as_deref(), Some(enhanced));
        }
    }

    #[test]
    fn replies_without_enhanced_codes_still_parse() {
        let mut out = Vec::new();
        write_reply(&Reply::bad_sequence(), false, &mut out);
        assert_eq!(out, b"503 bad sequence of commands\r\n");
        let parsed = parse_reply(&out, &ReplyOptions::default()).expect("a reply");
        assert!(matches!(parsed, Status::Complete { consumed: 30, .. }));
    }
}
