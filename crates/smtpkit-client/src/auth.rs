//! AUTH (RFC 4954) on the client: PLAIN (RFC 4616), LOGIN, CRAM-MD5
//! (RFC 2195) and XOAUTH2, with credentials that never show their secret.

use std::fmt;

use base64::engine::general_purpose::STANDARD;
use base64::Engine as _;
use hmac::{Hmac, Mac as _};
use smtpkit_codec::Mechanism;

/// A user name and its secret (a password, or the token of XOAUTH2).
///
/// Neither `Debug` nor `Display` shows the secret, in any build, and the
/// client's transcript shows the lines that carry it as `<redacted>`.
///
/// ```
/// use smtpkit_client::Credentials;
///
/// let credentials = Credentials::new("hoge", "hunter2");
/// assert_eq!(format!("{credentials}"), "hoge");
/// assert!(!format!("{credentials:?}").contains("hunter2"));
/// ```
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// Who logs in.
    user: String,
    /// What proves it.
    secret: String,
}

impl Credentials {
    /// Credentials of `user` with `secret`.
    pub fn new(user: impl Into<String>, secret: impl Into<String>) -> Self {
        Self { user: user.into(), secret: secret.into() }
    }

    /// The user name.
    pub fn user(&self) -> &str {
        &self.user
    }

    /// PLAIN's response: no authorization identity, the user, the
    /// password, NUL between them.
    pub(crate) fn plain(&self) -> String {
        STANDARD.encode(format!("\0{}\0{}", self.user, self.secret))
    }

    /// LOGIN's user name, base64.
    pub(crate) fn login_user(&self) -> String {
        STANDARD.encode(&self.user)
    }

    /// LOGIN's password, base64.
    pub(crate) fn login_password(&self) -> String {
        STANDARD.encode(&self.secret)
    }

    /// CRAM-MD5's response to the base64 `challenge`: the user and the
    /// hex HMAC-MD5 of the challenge keyed with the secret, base64.
    pub(crate) fn cram_md5(&self, challenge: &str) -> Option<String> {
        let challenge = STANDARD.decode(challenge.trim()).ok()?;
        let mut mac = Hmac::<md5::Md5>::new_from_slice(self.secret.as_bytes()).ok()?;
        mac.update(&challenge);
        let digest: String =
            mac.finalize().into_bytes().iter().map(|b| format!("{b:02x}")).collect();
        Some(STANDARD.encode(format!("{} {digest}", self.user)))
    }

    /// XOAUTH2's response: the user and the bearer token.
    pub(crate) fn xoauth2(&self) -> String {
        STANDARD.encode(format!("user={}\u{1}auth=Bearer {}\u{1}\u{1}", self.user, self.secret))
    }
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("user", &self.user)
            .field("secret", &"<redacted>")
            .finish()
    }
}

impl fmt::Display for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.user)
    }
}

/// The mechanisms the client picks from by itself, strongest first;
/// XOAUTH2 takes a token, not a password, so it is used only when asked.
pub(crate) const PREFERENCE: [Mechanism<'static>; 3] =
    [Mechanism::CramMd5, Mechanism::Plain, Mechanism::Login];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cram_md5_answers_rfc_2195s_example() {
        let credentials = Credentials::new("tim", "tanstaaftanstaaf");
        let challenge = STANDARD.encode("<1896.697170952@postoffice.reston.mci.net>");
        let response = credentials.cram_md5(&challenge).expect("base64");
        let response = String::from_utf8(STANDARD.decode(response).expect("base64")).expect("text");
        assert_eq!(response, "tim b913a602c7eda7a495b4e6e7334d3890");
        assert_eq!(credentials.cram_md5("not base64!"), None);
    }

    #[test]
    fn plain_and_xoauth2_carry_user_and_secret() {
        let credentials = Credentials::new("hoge", "secret");
        assert_eq!(STANDARD.decode(credentials.plain()).expect("base64"), b"\0hoge\0secret");
        let xoauth2 = STANDARD.decode(credentials.xoauth2()).expect("base64");
        assert_eq!(xoauth2, b"user=hoge\x01auth=Bearer secret\x01\x01");
    }
}
