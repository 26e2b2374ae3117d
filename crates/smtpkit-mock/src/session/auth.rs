//! AUTH (RFC 4954) with PLAIN (RFC 4616), LOGIN, CRAM-MD5 (RFC 2195) and
//! XOAUTH2: the exchange of challenges and responses, and the check of
//! what the client proves against the configured [`AuthMode`].

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use smtpkit_codec::{InitialResponse, Mechanism, Reply};

use super::content::Input;
use super::replies;
use super::Session;
use crate::config::AuthMode;

/// The mechanisms offered, strongest first.
pub(crate) const MECHANISMS: [&str; 4] = ["CRAM-MD5", "PLAIN", "LOGIN", "XOAUTH2"];

/// Where an exchange stands: which response the session waits for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum AuthStep {
    /// PLAIN's response, after an empty challenge.
    Plain,
    /// LOGIN's user name.
    LoginUser,
    /// LOGIN's password, for `user`.
    LoginPassword {
        /// The user name given.
        user: String,
    },
    /// CRAM-MD5's `user digest`, to `challenge`.
    CramMd5 {
        /// The challenge sent.
        challenge: String,
    },
    /// XOAUTH2's response, after an empty challenge.
    XOAuth2,
}

impl Session {
    /// AUTH: starts an exchange, or answers at once.
    pub(super) fn auth(
        &mut self,
        mechanism: Mechanism<'static>,
        initial: Option<InitialResponse<'static>>,
    ) {
        self.secret_may_follow = initial.is_none();
        if !self.setup.config.auth.is_on() {
            return self.send(&Reply::not_implemented());
        }
        if !self.is_extended() || self.transaction.is_some() {
            return self.client_error(&Reply::bad_sequence());
        }
        if self.facts.auth.is_some() {
            return self.client_error(&replies::already_authenticated());
        }
        if !self.offers_auth() {
            return self.client_error(&replies::auth_needs_tls());
        }
        // `=` is an empty response, as opposed to none at all.
        let initial = match initial {
            None => None,
            Some(InitialResponse::Empty) => Some(Vec::new()),
            Some(InitialResponse::Data(data)) => match STANDARD.decode(data.as_str()) {
                Ok(bytes) => Some(bytes),
                Err(_) => return self.undecodable(),
            },
        };
        match (mechanism, initial) {
            (Mechanism::Plain, Some(response)) => self.plain(&response),
            (Mechanism::Plain, None) => self.ask("", AuthStep::Plain),
            (Mechanism::Login, Some(user)) => self.login_user(&user),
            (Mechanism::Login, None) => {
                self.ask(&STANDARD.encode("Username:"), AuthStep::LoginUser);
            }
            (Mechanism::CramMd5, Some(_)) => {
                self.client_error(&replies::auth_no_initial_response());
            }
            (Mechanism::CramMd5, None) => {
                let hostname = &self.setup.config.hostname;
                let nonce = next_nonce(&mut self.nonces);
                let challenge_text = format!("<{nonce:016x}.{}@{hostname}>", self.messages);
                let encoded = STANDARD.encode(&challenge_text);
                self.ask(&encoded, AuthStep::CramMd5 { challenge: challenge_text });
            }
            (Mechanism::XOAuth2, Some(response)) => self.xoauth2(&response),
            (Mechanism::XOAuth2, None) => self.ask("", AuthStep::XOAuth2),
            _ => self.client_error(&replies::auth_unrecognized()),
        }
    }

    /// True when AUTH is offered to this client now: over TLS, or on
    /// loopback when the configuration allows it there.
    pub(super) fn offers_auth(&self) -> bool {
        let config = &self.setup.config;
        config.auth.is_on()
            && (self.facts.tls.is_some()
                || (config.auth_without_tls_on_loopback && is_loopback(&self.facts.peer)))
    }

    /// Takes bytes of a response line, up to the AUTH line limit, and
    /// acts on it once it is complete.
    pub(super) fn read_auth_line(&mut self, input: &[u8]) -> usize {
        self.read_line(input, smtpkit_codec::line::AUTH_LINE_LIMIT, Self::auth_line)
    }

    /// A whole response line, or one cut at the limit without its LF,
    /// which is refused and its rest skipped.
    fn auth_line(&mut self, line: &[u8], complete: bool) {
        let Input::Auth(step) = std::mem::replace(&mut self.input, Input::Command) else {
            return;
        };
        if complete {
            self.auth_response(*step, line);
        } else {
            self.input = Input::SkipLine;
            self.client_error(&Reply::line_too_long());
        }
    }

    /// One response line of the client, with its line ending.
    fn auth_response(&mut self, step: AuthStep, line: &[u8]) {
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        if line == b"*" {
            return self.client_error(&replies::auth_cancelled());
        }
        let Ok(response) = STANDARD.decode(line) else { return self.undecodable() };
        match step {
            AuthStep::Plain => self.plain(&response),
            AuthStep::LoginUser => self.login_user(&response),
            AuthStep::LoginPassword { user } => {
                self.verify(&user, |secret| secret.as_bytes() == response.as_slice());
            }
            AuthStep::CramMd5 { challenge } => self.cram_md5(&challenge, &response),
            AuthStep::XOAuth2 => self.xoauth2(&response),
        }
    }

    /// PLAIN: `authzid NUL authcid NUL passwd`.
    fn plain(&mut self, response: &[u8]) {
        let mut parts = response.split(|&b| b == 0);
        let (Some(_authzid), Some(user), Some(password), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return self.client_error(&replies::auth_malformed("malformed PLAIN response"));
        };
        let user = String::from_utf8_lossy(user).into_owned();
        self.verify(&user, |secret| secret.as_bytes() == password);
    }

    /// LOGIN's user name; the password comes next.
    fn login_user(&mut self, user: &[u8]) {
        let user = String::from_utf8_lossy(user).into_owned();
        self.ask(&STANDARD.encode("Password:"), AuthStep::LoginPassword { user });
    }

    /// CRAM-MD5: `user SP hex(HMAC-MD5(secret, challenge))`.
    fn cram_md5(&mut self, challenge: &str, response: &[u8]) {
        let text = String::from_utf8_lossy(response);
        let Some((user, digest)) = text.rsplit_once(' ') else {
            return self.client_error(&replies::auth_malformed("malformed CRAM-MD5 response"));
        };
        let (user, digest) = (user.to_owned(), digest.to_ascii_lowercase());
        self.verify(&user, |secret| cram_md5_digest(secret, challenge) == digest);
    }

    /// XOAUTH2: `user=USER ^A auth=Bearer TOKEN ^A ^A`.
    fn xoauth2(&mut self, response: &[u8]) {
        let text = String::from_utf8_lossy(response);
        let mut user = None;
        let mut token = None;
        for field in text.split('\u{1}') {
            if let Some(value) = field.strip_prefix("user=") {
                user = Some(value.to_owned());
            } else if let Some(value) = field.strip_prefix("auth=Bearer ") {
                token = Some(value.to_owned());
            }
        }
        let (Some(user), Some(token)) = (user, token) else {
            return self.client_error(&replies::auth_malformed("malformed XOAUTH2 response"));
        };
        self.verify(&user, |secret| secret == token);
    }

    /// Lets `user` in when `proves` holds for their secret, or whoever it
    /// is under [`AuthMode::AcceptAny`].
    fn verify(&mut self, user: &str, proves: impl FnOnce(&str) -> bool) {
        let accepted = match &self.setup.config.auth {
            AuthMode::AcceptAny => true,
            mode => mode.secret(user).is_some_and(|secret| proves(&secret)),
        };
        if accepted {
            self.facts.auth = Some(user.to_owned());
            self.send(&replies::auth_succeeded());
        } else {
            self.client_error(&replies::auth_failed());
        }
    }

    /// Sends the base64 challenge `text` and waits for the response line.
    fn ask(&mut self, text: &str, step: AuthStep) {
        self.send(&replies::auth_challenge(text));
        self.input = Input::Auth(Box::new(step));
    }

    /// A response that is not base64.
    fn undecodable(&mut self) {
        self.client_error(&replies::auth_malformed("cannot decode response"));
    }
}

/// What a transcript records of a client line: `None` when the line is
/// kept as it is, or the line with its secret replaced by `<redacted>`.
/// During an exchange (`in_auth`) every response but the `*` that cancels
/// it is a secret; otherwise an AUTH command's initial response is,
/// unless it is the empty `=`. The line ending is kept.
pub(crate) fn redact(line: &[u8], in_auth: bool) -> Option<Vec<u8>> {
    let ending = line.len() - line.trim_ascii_end().len();
    let (text, ending) = line.split_at(line.len() - ending);
    let keep = if in_auth {
        if text == b"*" {
            return None;
        }
        0
    } else {
        // `AUTH`, a blank, the mechanism, a blank: a tab counts, as a
        // parser that refuses the line still records it.
        let is_blank = |b: &u8| matches!(b, b' ' | b'\t');
        let verb = text.get(..4).filter(|verb| verb.eq_ignore_ascii_case(b"AUTH"))?;
        text.get(verb.len()).filter(|b| is_blank(b))?;
        let mechanism = text[verb.len() + 1..].iter().position(is_blank)?;
        let keep = verb.len() + 1 + mechanism + 1;
        if matches!(&text[keep..], b"" | b"=") {
            return None;
        }
        keep
    };
    let mut redacted = Vec::with_capacity(keep + REDACTED.len() + ending.len());
    redacted.extend_from_slice(&text[..keep]);
    redacted.extend_from_slice(REDACTED);
    redacted.extend_from_slice(ending);
    Some(redacted)
}

/// What a transcript records of the line after an AUTH command that
/// asked for no initial response: when the AUTH was refused, a client
/// that goes on with the exchange anyway sends its response as a line of
/// its own, which is read as a command. A line that can be such a
/// response (a single word of base64 that is no command without
/// arguments) is replaced by `<redacted>`; any other is kept (`None`).
pub(crate) fn redact_lone_response(line: &[u8]) -> Option<Vec<u8>> {
    let text = line.trim_ascii_end();
    let is_base64 = |b: &u8| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'=');
    let bare_verb = ["DATA", "RSET", "QUIT", "NOOP", "HELP", "STARTTLS"]
        .iter()
        .any(|verb| text.eq_ignore_ascii_case(verb.as_bytes()));
    if text.is_empty() || bare_verb || !text.iter().all(is_base64) {
        return None;
    }
    Some([REDACTED, &line[text.len()..]].concat())
}

/// What stands for a secret in a transcript.
const REDACTED: &[u8] = b"<redacted>";

/// A start for a session's nonces that no client can guess: a hash of
/// the time under a key the standard library draws at random for each
/// thread and changes for each use. It is no cryptographic random number;
/// a mock server's challenge needs no more.
pub(super) fn random_seed() -> u64 {
    use std::hash::BuildHasher as _;
    std::hash::RandomState::new().hash_one(std::time::SystemTime::now())
}

/// The next nonce from `state` (SplitMix64), so that a CRAM-MD5
/// challenge never repeats within a session and an old response cannot
/// be replayed.
fn next_nonce(state: &mut u64) -> u64 {
    *state = state.wrapping_add(0x9e37_79b9_7f4a_7c15);
    let mut z = *state;
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

/// The hex digest CRAM-MD5 proves a secret with.
pub(crate) fn cram_md5_digest(secret: &str, challenge: &str) -> String {
    let mut mac = Hmac::<md5::Md5>::new_from_slice(secret.as_bytes()).expect("any key length");
    mac.update(challenge.as_bytes());
    mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect()
}

/// True for a peer on a loopback address, as the I/O layer writes it.
fn is_loopback(peer: &str) -> bool {
    peer.parse::<std::net::SocketAddr>().is_ok_and(|addr| addr.ip().is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cram_md5_digest_matches_rfc_2195() {
        // RFC 2195 §2's example.
        let challenge = "<1896.697170952@postoffice.reston.mci.net>";
        assert_eq!(
            cram_md5_digest("tanstaaftanstaaf", challenge),
            "b913a602c7eda7a495b4e6e7334d3890"
        );
    }

    #[test]
    fn secrets_are_redacted_and_nothing_else() {
        // The line, whether an exchange is under way, and what is recorded
        // in place of the line when it is not kept.
        type Case = (&'static [u8], bool, Option<&'static [u8]>);
        let cases: [Case; 12] = [
            (b"AUTH PLAIN AGFsaWNlAHNlY3JldA==\r\n", false, Some(b"AUTH PLAIN <redacted>\r\n")),
            (b"auth login YWxpY2U=\n", false, Some(b"auth login <redacted>\n")),
            (b"AUTH PLAIN dGVzdA==", false, Some(b"AUTH PLAIN <redacted>")),
            (b"AUTH PLAIN =\r\n", false, None),
            (b"AUTH CRAM-MD5\r\n", false, None),
            (b"MAIL FROM:<a@b> AUTH=<>\r\n", false, None),
            (b"c2VjcmV0\r\n", true, Some(b"<redacted>\r\n")),
            (b"\r\n", true, Some(b"<redacted>\r\n")),
            (b"*\r\n", true, None),
            (b"AUTH PLAIN\tc2VjcmV0\r\n", false, Some(b"AUTH PLAIN\t<redacted>\r\n")),
            (b"AUTH\tLOGIN YWxpY2U=\r\n", false, Some(b"AUTH\tLOGIN <redacted>\r\n")),
            (b"AUTHX PLAIN c2VjcmV0\r\n", false, None),
        ];
        for (line, in_auth, expected) in cases {
            let redacted = redact(line, in_auth);
            assert_eq!(redacted.as_deref(), expected, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn a_lone_response_is_redacted_and_commands_are_not() {
        let cases: [(&[u8], Option<&[u8]>); 6] = [
            (b"AGhvZ2UAc2VjcmV0\r\n", Some(b"<redacted>\r\n")),
            (b"aG9nZQ==", Some(b"<redacted>")),
            (b"QUIT\r\n", None),
            (b"noop\r\n", None),
            (b"MAIL FROM:<a@b>\r\n", None),
            (b"\r\n", None),
        ];
        for (line, expected) in cases {
            let redacted = redact_lone_response(line);
            assert_eq!(redacted.as_deref(), expected, "{:?}", String::from_utf8_lossy(line));
        }
    }

    #[test]
    fn nonces_and_seeds_do_not_repeat() {
        let mut state = 0;
        let nonces: std::collections::HashSet<u64> =
            (0..1000).map(|_| next_nonce(&mut state)).collect();
        assert_eq!(nonces.len(), 1000);
        let seeds: std::collections::HashSet<u64> = (0..1000).map(|_| random_seed()).collect();
        assert_eq!(seeds.len(), 1000);
    }

    #[test]
    fn loopback_peers_are_recognized() {
        assert!(is_loopback("127.0.0.1:2525"));
        assert!(is_loopback("[::1]:2525"));
        assert!(!is_loopback("192.0.2.1:2525"));
        assert!(!is_loopback("peer"));
    }
}
