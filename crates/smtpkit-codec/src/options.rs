//! Limits and tolerances of the command parser (RFC 5321 §4.5.3.1).

use crate::line::{AUTH_LINE_LIMIT, COMMAND_LINE_LIMIT};

/// The limit on a local-part in octets (RFC 5321 §4.5.3.1.1).
pub const LOCAL_PART_LIMIT: usize = 64;

/// The limit on a domain in octets (RFC 5321 §4.5.3.1.2).
pub const DOMAIN_LIMIT: usize = 255;

/// The limit on a reverse-path or forward-path in octets, angle brackets
/// included (RFC 5321 §4.5.3.1.3).
pub const PATH_LIMIT: usize = 256;

/// How the command parser reads: its limits and the deviations from
/// RFC 5321 it tolerates.
///
/// The default is the RFC's limits, RFC 6531 UTF-8 addresses allowed, and
/// no tolerances. Each `allow_…` field names one deviation seen from real
/// clients; [`CommandOptions::lenient`] turns them all on.
///
/// ```
/// use smtpkit_codec::{parse_command, CommandOptions};
///
/// let line = b"MAIL FROM: <a@example.org>\r\n";
/// assert!(parse_command(line, &CommandOptions::default()).is_err());
/// let options = CommandOptions { allow_space_after_colon: true, ..CommandOptions::default() };
/// assert!(parse_command(line, &options).is_ok());
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommandOptions {
    /// Longest command line in octets, CRLF included. Default 512.
    pub line_limit: usize,
    /// Longest AUTH command line in octets, CRLF included (RFC 4954 §4).
    /// Default 12,288.
    pub auth_line_limit: usize,
    /// Longest local-part in octets. Default 64.
    pub local_part_limit: usize,
    /// Longest domain in octets. Default 255.
    pub domain_limit: usize,
    /// Longest path in octets, angle brackets included. Default 256.
    pub path_limit: usize,
    /// Accept UTF-8 in local-parts, domains and parameter values, as
    /// RFC 6531 (SMTPUTF8) allows. Whether the client declared SMTPUTF8 is
    /// for the server to check. Default on.
    pub allow_utf8: bool,
    /// Accept spaces between `FROM:` or `TO:` and the path, as many clients
    /// send them. Default off.
    pub allow_space_after_colon: bool,
    /// Accept a path without angle brackets (`MAIL FROM:a@example.org`).
    /// Default off.
    pub allow_missing_brackets: bool,
    /// Accept spaces at the end of a command line. Default off.
    pub allow_trailing_space: bool,
    /// Accept a command line ending in LF alone. This applies to command
    /// lines only, never to the end of DATA. Default off.
    pub allow_bare_lf: bool,
}

impl Default for CommandOptions {
    fn default() -> Self {
        Self {
            line_limit: COMMAND_LINE_LIMIT,
            auth_line_limit: AUTH_LINE_LIMIT,
            local_part_limit: LOCAL_PART_LIMIT,
            domain_limit: DOMAIN_LIMIT,
            path_limit: PATH_LIMIT,
            allow_utf8: true,
            allow_space_after_colon: false,
            allow_missing_brackets: false,
            allow_trailing_space: false,
            allow_bare_lf: false,
        }
    }
}

impl CommandOptions {
    /// The RFC's limits and grammar, with no tolerance: the default.
    pub fn strict() -> Self {
        Self::default()
    }

    /// The RFC's limits with every tolerance turned on.
    pub fn lenient() -> Self {
        Self {
            allow_space_after_colon: true,
            allow_missing_brackets: true,
            allow_trailing_space: true,
            allow_bare_lf: true,
            ..Self::default()
        }
    }
}
