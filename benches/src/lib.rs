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

/// Sections in [`header_corpus`].
pub const HEADER_CORPUS_SECTIONS: usize = 64;

/// Varied, realistic header sections, the same on every run: chains of
/// folded `Received` fields, address lists and groups, subjects in encoded
/// words of several charsets (UTF-8, ISO-8859-1, ISO-2022-JP, KOI8-R,
/// GB2312), a folded `DKIM-Signature`, MIME fields and list fields. Each
/// section ends with its empty line.
pub fn header_corpus() -> Vec<Vec<u8>> {
    let mut random = Lcg(0x5eed);
    (0..HEADER_CORPUS_SECTIONS).map(|index| header_section(index, &mut random)).collect()
}

/// One header section of fifty fields, as a mailing list delivers them:
/// many `Received` hops, authentication results, list fields and the usual
/// originator fields.
pub fn header_50_fields() -> Vec<u8> {
    let mut random = Lcg(50);
    let mut out = Vec::new();
    for hop in 0..20 {
        received(&mut out, hop, &mut random);
    }
    for index in 0..10 {
        let verdict = ["pass", "fail", "neutral"][random.below(3)];
        push_line(
            &mut out,
            &format!(
                "Authentication-Results: mx{index}.example.net; spf={verdict} \
             smtp.mailfrom=list-bounces@lists.example.org; dkim=pass header.d=example.org"
            ),
        );
    }
    for index in 0..10 {
        push_line(&mut out, &format!("X-List-Field-{index}: value {}", random.next() % 100_000));
    }
    dkim_signature(&mut out, &mut random);
    for line in [
        "From: \"Mailing List\" <list@lists.example.org>",
        "To: list@lists.example.org",
        "Subject: [list] =?UTF-8?Q?Re=3A_Gr=C3=BC=C3=9Fe_aus_K=C3=B6ln?=",
        "Date: Tue, 1 Jul 2003 10:52:37 +0200",
        "Message-ID: <5678.21-Nov-1997@lists.example.org>",
        "MIME-Version: 1.0",
        "Content-Type: text/plain; charset=\"utf-8\"; format=flowed",
        "List-Id: The list <list.lists.example.org>",
        "List-Unsubscribe: <mailto:list-leave@lists.example.org>",
    ] {
        push_line(&mut out, line);
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A small linear congruential generator: the corpus varies without a
/// dependency and without changing from run to run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 =
            self.0.wrapping_mul(6_364_136_223_846_793_005).wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    /// A number below `n`.
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
}

const NAMES: &[&str] = &[
    "Alice Example",
    "\"Smith, Bob\"",
    "=?UTF-8?B?5bGx55Sw5aSq6YOO?=",
    "=?ISO-8859-1?Q?Andr=E9_Pirard?=",
    "Carol",
    "=?KOI8-R?B?8NLJ18XU?=",
];

const SUBJECTS: &[&str] = &[
    "Saying Hello",
    "Re: Quarterly report, draft 3",
    "=?UTF-8?B?5Lya6K2w44Gu6K2w5LqL6Yyy?=",
    "=?ISO-2022-JP?B?GyRCRnxLXDhsJE4lRiU5JUgbKEI=?=",
    "=?ISO-8859-1?Q?Gr=FC=DFe_aus_K=F6ln?= und mehr",
    "=?GB2312?B?1tDOxNPKvP4=?= =?GB2312?B?1tDOxNPKvP4=?=",
    "=?KOI8-R?B?8NLJ18XU?= from Moscow",
    "Fwd: Re: Fwd: a subject long enough to be folded once it has been forwarded a few \
     times",
];

fn header_section(index: usize, random: &mut Lcg) -> Vec<u8> {
    let mut out = Vec::new();
    for hop in 0..2 + random.below(5) {
        received(&mut out, hop, random);
    }
    if index % 2 == 0 {
        dkim_signature(&mut out, random);
    }
    let name = NAMES[random.below(NAMES.len())];
    push_line(&mut out, &format!("From: {name} <sender{index}@example.org>"));
    let recipients: Vec<String> = (0..1 + random.below(6))
        .map(|r| format!("{} <rcpt{r}@example.net>", NAMES[random.below(NAMES.len())]))
        .collect();
    push_folded(&mut out, "To", &recipients.join(", "));
    if index % 3 == 0 {
        push_line(&mut out, "Cc: Team: alice@example.org, bob@example.org;, Undisclosed:;");
    }
    push_folded(&mut out, "Subject", SUBJECTS[random.below(SUBJECTS.len())]);
    push_line(&mut out, &format!("Date: Fri, {} Nov 1997 09:55:06 -0600", 1 + random.below(28)));
    push_line(&mut out, &format!("Message-ID: <{}.{index}@local.machine.example>", random.next()));
    push_line(&mut out, "MIME-Version: 1.0");
    push_line(&mut out, "Content-Type: multipart/alternative; boundary=\"b1_5d0e3c\"");
    if index % 4 == 0 {
        push_line(
            &mut out,
            "List-Unsubscribe: <mailto:leave@lists.example.org>, <https://lists.example.org/leave>",
        );
    }
    out.extend_from_slice(b"\r\n");
    out
}

/// A `Received` field folded over three lines.
fn received(out: &mut Vec<u8>, hop: usize, random: &mut Lcg) {
    let id = random.next();
    push_line(
        out,
        &format!("Received: from relay{hop}.example.net (relay{hop}.example.net [192.0.2.{hop}])"),
    );
    push_line(out, &format!("\tby mx{}.example.org (Postfix) with ESMTPS id {id:X}", hop + 1));
    push_line(
        out,
        &format!("\tfor <rcpt@example.org>; Fri, 21 Nov 1997 10:0{}:43 -0600", hop % 10),
    );
}

/// A `DKIM-Signature` field with its signature, folded as signers do.
fn dkim_signature(out: &mut Vec<u8>, random: &mut Lcg) {
    const BASE64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    let signature: String = (0..344).map(|_| char::from(BASE64[random.below(64)])).collect();
    push_line(out, "DKIM-Signature: v=1; a=rsa-sha256; c=relaxed/relaxed; d=example.org;");
    push_line(out, "\ts=selector1; h=from:to:subject:date:message-id:mime-version;");
    push_line(out, "\tbh=47DEQpj8HBSa+/TImW+5JCeuQeRkm5NMpJWZG3hSuFU=;");
    for chunk in signature.as_bytes().chunks(70) {
        let chunk = std::str::from_utf8(chunk).expect("base64 is ASCII");
        push_line(out, &format!("\tb={chunk}"));
    }
}

fn push_line(out: &mut Vec<u8>, line: &str) {
    out.extend_from_slice(line.as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Writes `name: value`, folded before white space near 76 columns.
fn push_folded(out: &mut Vec<u8>, name: &str, value: &str) {
    let mut column = name.len() + 1;
    out.extend_from_slice(name.as_bytes());
    out.push(b':');
    for word in value.split(' ') {
        if column + 1 + word.len() > 76 && column > name.len() + 1 {
            out.extend_from_slice(b"\r\n");
            column = 0;
        }
        out.push(b' ');
        out.extend_from_slice(word.as_bytes());
        column += 1 + word.len();
    }
    out.extend_from_slice(b"\r\n");
}

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

/// The README's examples, compiled and run as documentation tests. They
/// live in this crate because it is never published and so may read a
/// file outside its own folder.
#[cfg(doctest)]
#[doc = include_str!("../../README.md")]
struct ReadmeDoctests;
