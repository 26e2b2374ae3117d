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
    fixed(530, enhanced(5, 7, 0), "must issue a STARTTLS command first")
}

/// `334` with the base64 `text` of an AUTH challenge, which carries no
/// enhanced code (RFC 4954 §4).
pub(crate) fn auth_challenge(text: &str) -> Reply<'static> {
    Reply::single(ReplyCode::AUTH_CHALLENGE, None, text.to_owned()).expect("base64 is text")
}

/// `235 2.7.0`, the end of a successful AUTH (RFC 4954 §6).
pub(crate) fn auth_succeeded() -> Reply<'static> {
    fixed(235, enhanced(2, 7, 0), "authentication succeeded")
}

/// `535 5.7.8` for credentials that do not prove the user.
pub(crate) fn auth_failed() -> Reply<'static> {
    fixed(535, enhanced(5, 7, 8), "authentication credentials invalid")
}

/// `538 5.7.11` for AUTH before TLS where TLS is needed first.
pub(crate) fn auth_needs_tls() -> Reply<'static> {
    fixed(538, enhanced(5, 7, 11), "encryption required for requested authentication mechanism")
}

/// `503 5.5.1` for a second AUTH in a session.
pub(crate) fn already_authenticated() -> Reply<'static> {
    fixed(503, EnhancedStatusCode::INVALID_COMMAND, "already authenticated")
}

/// `504 5.5.4` for a mechanism the session does not offer.
pub(crate) fn auth_unrecognized() -> Reply<'static> {
    fixed(504, enhanced(5, 5, 4), "unrecognized authentication type")
}

/// `501 5.5.4` for an initial response to CRAM-MD5, which takes none.
pub(crate) fn auth_no_initial_response() -> Reply<'static> {
    fixed(501, enhanced(5, 5, 4), "CRAM-MD5 takes no initial response")
}

/// `501 5.7.0` for `*`, which cancels an AUTH exchange.
pub(crate) fn auth_cancelled() -> Reply<'static> {
    fixed(501, enhanced(5, 7, 0), "authentication cancelled")
}

/// `501 5.5.2` for an AUTH response that is not base64 or not of its
/// mechanism's form, saying which.
pub(crate) fn auth_malformed(text: &'static str) -> Reply<'static> {
    fixed(501, EnhancedStatusCode::SYNTAX_ERROR, text)
}

/// An enhanced status code of parts written in this module.
fn enhanced(class: u8, subject: u16, detail: u16) -> EnhancedStatusCode {
    EnhancedStatusCode::new(class, subject, detail).expect("the fixed codes are valid")
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
            (auth_succeeded(), 235, "2.7.0"),
            (auth_failed(), 535, "5.7.8"),
            (auth_needs_tls(), 538, "5.7.11"),
            (already_authenticated(), 503, "5.5.1"),
            (auth_unrecognized(), 504, "5.5.4"),
            (auth_no_initial_response(), 501, "5.5.4"),
            (auth_cancelled(), 501, "5.7.0"),
            (auth_malformed("cannot decode response"), 501, "5.5.2"),
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
