//! Inputs shared by the benchmarks of the smtpkit codec.
//!
//! The inputs are built here, not read from files, so that every run
//! measures the same bytes.
#![forbid(unsafe_code)]

/// One client transaction as a pipelining client sends it: EHLO; MAIL FROM
/// with SIZE and BODY; five RCPT TO with NOTIFY and ORCPT; DATA; RSET;
/// NOOP; QUIT. Eleven commands.
pub const TRANSACTION: &[u8] = b"EHLO client.example.org\r\n\
MAIL FROM:<sender.name@example.org> SIZE=123456 BODY=8BITMIME\r\n\
RCPT TO:<alice@example.net> NOTIFY=SUCCESS,FAILURE ORCPT=rfc822;alice@example.net\r\n\
RCPT TO:<bob.smith@example.net> NOTIFY=FAILURE ORCPT=rfc822;bob.smith@example.net\r\n\
RCPT TO:<carol@mail.example.com> NOTIFY=SUCCESS,FAILURE,DELAY ORCPT=rfc822;carol@mail.example.com\r\n\
RCPT TO:<dave+tag@example.net> NOTIFY=NEVER ORCPT=rfc822;dave+2Btag@example.net\r\n\
RCPT TO:<\"eve q\"@example.org> NOTIFY=DELAY ORCPT=rfc822;\"eve+20q\"@example.org\r\n\
DATA\r\n\
RSET\r\n\
NOOP\r\n\
QUIT\r\n";

/// Commands in one [`TRANSACTION`].
pub const TRANSACTION_COMMANDS: usize = 11;

/// `count` transactions back to back, as one pipelined stream.
pub fn command_stream(count: usize) -> Vec<u8> {
    TRANSACTION.repeat(count)
}

/// A ten-line EHLO reply as a capable server sends it.
pub const EHLO_REPLY: &[u8] = b"250-mx.example.org Hello client.example.org [192.0.2.1]\r\n\
250-SIZE 52428800\r\n\
250-PIPELINING\r\n\
250-8BITMIME\r\n\
250-SMTPUTF8\r\n\
250-ENHANCEDSTATUSCODES\r\n\
250-CHUNKING\r\n\
250-DSN\r\n\
250-AUTH PLAIN LOGIN XOAUTH2\r\n\
250 STARTTLS\r\n";

/// Single-line replies with enhanced status codes, one of each class.
pub const SINGLE_REPLIES: &[u8] = b"250 2.1.0 Sender OK\r\n\
250 2.1.5 Recipient OK\r\n\
354 Start mail input; end with <CRLF>.<CRLF>\r\n\
250 2.6.0 Message accepted for delivery\r\n\
451 4.3.0 Temporary local problem, try again later\r\n\
550 5.1.1 No such user here\r\n\
221 2.0.0 Closing connection\r\n";

/// Replies in one [`SINGLE_REPLIES`].
pub const SINGLE_REPLY_COUNT: usize = 7;

/// Size of the message bodies of the DATA benchmarks: 10 MiB.
pub const BODY_SIZE: usize = 10 << 20;

/// Words the text of [`text_body`] is made of, of ordinary English lengths,
/// separated by spaces.
const WORDS: &str = "the of and to in a is that for it as was with be by on not he this are \
or his from at which but have an had they you were their one all we \
can her has there been if more when will would who so no message \
delivery recipient transaction server Subject: regards, meeting \
tomorrow attached please review quarterly numbers before Thursday. \
thanks!";

/// A message body of about `size` octets: lines of text of 60 to 72
/// characters ending in CRLF, where every `dot_every`-th line starts with a
/// dot (so that it is stuffed on the wire). The same arguments give the same
/// bytes on every run.
pub fn text_body(size: usize, dot_every: usize) -> Vec<u8> {
    let words: Vec<&str> = WORDS.split_whitespace().collect();
    let mut body = Vec::with_capacity(size + 100);
    // A linear congruential generator (Knuth's MMIX constants): enough to
    // vary the words, and the same on every machine.
    let mut seed: u64 = 0x5eed;
    let mut line = 0;
    while body.len() < size {
        let start = body.len();
        if line % dot_every.max(1) == 0 {
            body.push(b'.');
        }
        let mut first = true;
        while body.len() - start < 60 {
            seed = seed
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1_442_695_040_888_963_407);
            let word = words[(seed >> 33) as usize % words.len()];
            if !first {
                body.push(b' ');
            }
            first = false;
            body.extend_from_slice(word.as_bytes());
        }
        body.extend_from_slice(b"\r\n");
        line += 1;
    }
    body
}
