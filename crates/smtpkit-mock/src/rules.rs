//! Scripted replies for a [`MockServer`](crate::MockServer): rules that
//! match a step of any session and answer it, limited in count, with
//! expectations verified at the end.
//!
//! A rule says at which step it applies ([`On`]), what must match there
//! (sender, recipient, a header field, a size), and what to do: reply with
//! a chosen reply or drop the connection. `up_to_n_times` limits how often
//! it fires across all sessions, which is how "451 first, then accept"
//! (greylisting) is written. `expect` states how often it must fire;
//! [`Rules::verify`] checks every expectation and reports what matched.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use smtpkit_codec::{EnhancedStatusCode, Reply, ReplyCode};

use crate::message::bare_address;
use crate::policy::{Decision, Phase, Policy};

/// The step of a session a rule applies at.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum On {
    /// A client connects; a reply replaces the greeting.
    Connect,
    /// HELO, EHLO or LHLO.
    Hello,
    /// MAIL FROM.
    Mail,
    /// RCPT TO.
    Rcpt,
    /// The DATA command.
    Data,
    /// The end of a message's data.
    EndOfData,
    /// Any command, before the session acts on it.
    AnyCommand,
}

/// What a rule does when it fires.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Action {
    /// Go on as the session would; with [`Rule::delay`], a slow server.
    Continue,
    /// Answer with this reply.
    Reply(Reply<'static>),
    /// Close the connection, with 421 first or without a word.
    Drop {
        /// Send 421 4.3.2 before closing.
        with_421: bool,
    },
}

/// One scripted reply. Build it with [`Rule::on`] and the methods after it.
///
/// ```
/// use smtpkit_mock::{Action, On, Rule};
/// use smtpkit_codec::Reply;
///
/// let greylist = Rule::on(On::Mail)
///     .reply(Reply::mailbox_busy())
///     .up_to_n_times(1)
///     .expect(1);
/// assert_eq!(greylist.matched(), 0);
/// ```
#[derive(Debug, Clone)]
pub struct Rule {
    /// Where it applies.
    on: On,
    /// The sender that must match, compared without regard to case.
    sender: Option<String>,
    /// The recipient that must match.
    recipient: Option<String>,
    /// A header field name and text its value must contain.
    header: Option<(String, String)>,
    /// The smallest message size that matches.
    min_size: Option<usize>,
    /// What to do.
    action: Action,
    /// The most times it fires; `None` for always.
    times: Option<u64>,
    /// How often it must have fired at verification.
    expected: Option<u64>,
    /// How often it fired, shared by the sessions.
    matched: Arc<AtomicU64>,
    /// How long to hold the reply back when it fires.
    delay: Duration,
}

impl Rule {
    /// A rule at `on` that, until told otherwise, answers 550 5.7.1.
    pub fn on(on: On) -> Self {
        let reply = Reply::single(
            ReplyCode::MAILBOX_UNAVAILABLE,
            Some(EnhancedStatusCode::new(5, 7, 1).expect("a valid code")),
            "refused by rule",
        )
        .expect("a fixed reply is valid");
        Self {
            on,
            sender: None,
            recipient: None,
            header: None,
            min_size: None,
            action: Action::Reply(reply),
            times: None,
            expected: None,
            matched: Arc::new(AtomicU64::new(0)),
            delay: Duration::ZERO,
        }
    }

    /// Matches only this sender (at MAIL and at the end of data).
    pub fn sender(mut self, address: impl Into<String>) -> Self {
        self.sender = Some(address.into());
        self
    }

    /// Matches only this recipient (at RCPT and at the end of data).
    pub fn recipient(mut self, address: impl Into<String>) -> Self {
        self.recipient = Some(address.into());
        self
    }

    /// Matches only a message whose header field `name` contains `text`
    /// (at the end of data).
    pub fn header(mut self, name: impl Into<String>, text: impl Into<String>) -> Self {
        self.header = Some((name.into(), text.into()));
        self
    }

    /// Matches only a message of at least `octets` (at the end of data).
    pub fn min_size(mut self, octets: usize) -> Self {
        self.min_size = Some(octets);
        self
    }

    /// Answers with `reply`.
    pub fn reply(mut self, reply: Reply<'static>) -> Self {
        self.action = Action::Reply(reply);
        self
    }

    /// Drops the connection, with 421 first when `with_421` is true.
    pub fn drop_connection(mut self, with_421: bool) -> Self {
        self.action = Action::Drop { with_421 };
        self
    }

    /// Holds the session's reply back for `delay` when the rule fires, as
    /// a slow server would. Combine it with [`reply`](Self::reply) to
    /// answer late, or with [`pass`](Self::pass) to answer as usual, late.
    pub fn delay(mut self, delay: Duration) -> Self {
        self.delay = delay;
        self
    }

    /// Lets the session answer as it would (the default action refuses).
    pub fn pass(mut self) -> Self {
        self.action = Action::Continue;
        self
    }

    /// Fires at most `n` times; after that the session goes on as usual.
    pub fn up_to_n_times(mut self, n: u64) -> Self {
        self.times = Some(n);
        self
    }

    /// Must have fired exactly `n` times when verified.
    pub fn expect(mut self, n: u64) -> Self {
        self.expected = Some(n);
        self
    }

    /// How often it fired so far.
    pub fn matched(&self) -> u64 {
        self.matched.load(Ordering::SeqCst)
    }

    /// The decision at `phase`, counting the firing.
    fn fire(&self, phase: &Phase<'_>) -> Option<Decision> {
        if !self.matches(phase) {
            return None;
        }
        // Count first and check the limit on the count taken, so that two
        // sessions at once cannot both take the last firing.
        let count = self.matched.fetch_add(1, Ordering::SeqCst);
        if self.times.is_some_and(|times| count >= times) {
            self.matched.fetch_sub(1, Ordering::SeqCst);
            return None;
        }
        Some(match &self.action {
            Action::Continue => Decision::Continue,
            Action::Reply(reply) => Decision::Reply(reply.clone()),
            Action::Drop { with_421 } => Decision::Drop { with_421: *with_421 },
        })
    }

    /// True when the rule applies at `phase`.
    fn matches(&self, phase: &Phase<'_>) -> bool {
        let same = |want: &Option<String>, path: &dyn std::fmt::Display| {
            want.as_ref().is_none_or(|want| bare_address(&path).eq_ignore_ascii_case(want))
        };
        match (self.on, phase) {
            (On::Connect, Phase::Connect { .. })
            | (On::Hello, Phase::Hello { .. })
            | (On::Data, Phase::Data)
            | (On::AnyCommand, Phase::Command { .. }) => true,
            (On::Mail, Phase::Mail { reverse_path, .. }) => same(&self.sender, reverse_path),
            (On::Rcpt, Phase::Rcpt { forward_path, .. }) => same(&self.recipient, forward_path),
            (On::EndOfData, Phase::EndOfData { message }) => {
                let envelope = &message.envelope;
                let recipient_ok = self.recipient.is_none()
                    || envelope.recipients.iter().any(|r| same(&self.recipient, &r.forward_path));
                let header_ok = self.header.as_ref().is_none_or(|(name, text)| {
                    message.header_section().is_ok_and(|(section, _)| {
                        section
                            .get_all(name)
                            .any(|field| field.unstructured().contains(text.as_str()))
                    })
                });
                same(&self.sender, &envelope.reverse_path)
                    && recipient_ok
                    && header_ok
                    && self.min_size.is_none_or(|min| message.content.len() >= min)
            }
            _ => false,
        }
    }
}

/// The rules of a server, shared by its sessions, tried in the order
/// they were added: the first that fires decides.
#[derive(Debug, Clone, Default)]
pub struct Rules {
    /// The rules, in order.
    rules: Arc<Mutex<Vec<Rule>>>,
}

impl Rules {
    /// Adds a rule after the others.
    pub fn add(&self, rule: Rule) {
        self.rules.lock().unwrap_or_else(PoisonError::into_inner).push(rule);
    }

    /// Adds a rule and returns a guard that removes it when dropped, then
    /// checks its expectation.
    pub fn add_scoped(&self, rule: Rule) -> RuleGuard {
        let matched = Arc::clone(&rule.matched);
        self.add(rule);
        RuleGuard { rules: self.clone(), matched }
    }

    /// Checks every expectation.
    ///
    /// # Errors
    ///
    /// A [`VerifyError`] listing each rule whose count differs from what
    /// was expected.
    pub fn verify(&self) -> Result<(), VerifyError> {
        let rules = self.rules.lock().unwrap_or_else(PoisonError::into_inner);
        let failures: Vec<String> = rules
            .iter()
            .filter_map(|rule| {
                let expected = rule.expected?;
                let matched = rule.matched();
                (matched != expected).then(|| {
                    format!("rule on {:?} expected {expected} times, matched {matched}", rule.on)
                })
            })
            .collect();
        if failures.is_empty() {
            Ok(())
        } else {
            Err(VerifyError { failures })
        }
    }

    /// True when any rule has an expectation.
    pub fn has_expectations(&self) -> bool {
        self.rules
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .iter()
            .any(|r| r.expected.is_some())
    }

    /// A policy for one session that asks these rules, then `inner`; a
    /// rule's delay, in milliseconds, is left in `delay` for the I/O layer.
    pub(crate) fn policy(&self, inner: Box<dyn Policy>, delay: Arc<AtomicU64>) -> RulesPolicy {
        RulesPolicy { rules: self.clone(), inner, delay }
    }
}

/// A rule that lives until this guard is dropped. Dropping it removes the
/// rule and checks its expectation, panicking with a report when it is
/// unmet (unless the thread is already panicking), so that the test that
/// set it fails at the end of the scope.
///
/// ```
/// # #[tokio::main(flavor = "current_thread")]
/// # async fn main() -> std::io::Result<()> {
/// use smtpkit_mock::{MockServer, On, Rule};
///
/// let server = MockServer::start().await?;
/// {
///     let guard = server.scoped_rule(Rule::on(On::Connect).expect(0));
///     assert_eq!(guard.matched(), 0);
/// } // verified here: no client connected, as expected
/// # Ok(())
/// # }
/// ```
#[derive(Debug)]
pub struct RuleGuard {
    /// The rules the rule was added to.
    rules: Rules,
    /// The rule's count, which also identifies it.
    matched: Arc<AtomicU64>,
}

impl RuleGuard {
    /// How often the rule fired so far.
    pub fn matched(&self) -> u64 {
        self.matched.load(Ordering::SeqCst)
    }
}

impl Drop for RuleGuard {
    fn drop(&mut self) {
        let removed = {
            let mut rules = self.rules.rules.lock().unwrap_or_else(PoisonError::into_inner);
            let index = rules.iter().position(|r| Arc::ptr_eq(&r.matched, &self.matched));
            index.map(|i| rules.remove(i))
        };
        let Some(rule) = removed else { return };
        if std::thread::panicking() {
            return;
        }
        if let Some(expected) = rule.expected {
            let matched = rule.matched();
            if matched != expected {
                panic!("scoped rule on {:?} expected {expected} times, matched {matched}", rule.on);
            }
        }
    }
}

/// Expectations that were not met.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unmet expectations: {}", failures.join("; "))]
pub struct VerifyError {
    /// One line per rule whose count was off.
    pub failures: Vec<String>,
}

/// A session's policy over shared rules.
pub(crate) struct RulesPolicy {
    /// The rules.
    rules: Rules,
    /// Asked when no rule fires.
    inner: Box<dyn Policy>,
    /// Where a fired rule's delay goes, in milliseconds.
    delay: Arc<AtomicU64>,
}

impl Policy for RulesPolicy {
    fn decide(&mut self, phase: Phase<'_>) -> Decision {
        let fired = {
            let rules = self.rules.rules.lock().unwrap_or_else(PoisonError::into_inner);
            rules.iter().find_map(|rule| rule.fire(&phase).map(|d| (d, rule.delay)))
        };
        match fired {
            Some((decision, delay)) => {
                let millis = u64::try_from(delay.as_millis()).unwrap_or(u64::MAX);
                self.delay.fetch_add(millis, Ordering::SeqCst);
                match decision {
                    // A rule that only delays leaves the decision to the
                    // rest of the chain.
                    Decision::Continue => self.inner.decide(phase),
                    other => other,
                }
            }
            None => self.inner.decide(phase),
        }
    }
}

/// Reads a rule in the command line's form:
/// `PHASE [ADDRESS] [times N] => REPLY`, where PHASE is one of connect,
/// hello, mail, rcpt, data, end, command; ADDRESS (for mail, rcpt and end)
/// is the sender or recipient to match; REPLY is a reply code, an optional
/// enhanced status code and text, or `drop` / `drop 421`.
///
/// # Errors
///
/// A message that shows the expected form.
///
/// ```
/// use smtpkit_mock::parse_rule;
///
/// let rule = parse_rule("rcpt nobody@example.net => 550 5.1.1 no such user").expect("valid");
/// assert!(parse_rule("rcpt =>").is_err());
/// ```
pub fn parse_rule(text: &str) -> Result<Rule, String> {
    const FORM: &str = "expected `PHASE [ADDRESS] [times N] => REPLY`, e.g. \
                        `rcpt nobody@example.net => 550 5.1.1 no such user` or \
                        `mail times 1 => 451 4.7.1 greylisted`";
    let (left, right) = text.split_once("=>").ok_or_else(|| format!("no `=>`: {FORM}"))?;
    let mut words = left.split_whitespace();
    let on = match words.next().map(str::to_ascii_lowercase).as_deref() {
        Some("connect") => On::Connect,
        Some("hello" | "helo" | "ehlo") => On::Hello,
        Some("mail") => On::Mail,
        Some("rcpt") => On::Rcpt,
        Some("data") => On::Data,
        Some("end") => On::EndOfData,
        Some("command") => On::AnyCommand,
        other => return Err(format!("unknown phase {other:?}: {FORM}")),
    };
    let mut rule = Rule::on(on);
    while let Some(word) = words.next() {
        if word.eq_ignore_ascii_case("times") {
            let n = words.next().and_then(|n| n.parse().ok());
            rule = rule.up_to_n_times(n.ok_or_else(|| format!("`times` needs a number: {FORM}"))?);
        } else if word.contains('@') {
            rule = match on {
                On::Mail => rule.sender(word),
                On::Rcpt | On::EndOfData => rule.recipient(word),
                _ => return Err(format!("an address does not apply at {on:?}: {FORM}")),
            };
        } else {
            return Err(format!("unexpected {word:?}: {FORM}"));
        }
    }

    let right = right.trim();
    if let Some(rest) = right.strip_prefix("drop") {
        return match rest.trim() {
            "" => Ok(rule.drop_connection(false)),
            "421" => Ok(rule.drop_connection(true)),
            other => Err(format!("unexpected {other:?} after drop: {FORM}")),
        };
    }
    let (code, text) = right.split_once(' ').unwrap_or((right, ""));
    let code = code
        .parse()
        .ok()
        .and_then(ReplyCode::new)
        .ok_or_else(|| format!("{code:?} is not a reply code: {FORM}"))?;
    let (first, rest) = text.split_once(' ').unwrap_or((text, ""));
    let (enhanced, text) = match first.parse::<EnhancedStatusCode>() {
        Ok(enhanced) => (Some(enhanced), rest),
        Err(_) => (None, text),
    };
    let reply =
        Reply::single(code, enhanced, text.to_owned()).map_err(|e| format!("{e}: {FORM}"))?;
    Ok(rule.reply(reply))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules_read_from_the_command_line_form() {
        let ok = [
            "rcpt nobody@example.net => 550 5.1.1 no such user",
            "mail times 1 => 451 4.7.1 greylisted, try again",
            "connect => 554 no service",
            "data => drop 421",
            "end fuga@example.net => drop",
            "command => 250",
        ];
        for text in ok {
            assert!(parse_rule(text).is_ok(), "{text}");
        }
        let rule = parse_rule("mail hoge@example.net times 2 => 451 4.7.1 later").expect("valid");
        assert_eq!(
            (rule.on, rule.sender.as_deref(), rule.times),
            (On::Mail, Some("hoge@example.net"), Some(2))
        );
        let Action::Reply(reply) = &rule.action else { panic!("a reply") };
        assert_eq!(reply.to_string(), "451 4.7.1 later");
    }

    #[test]
    fn malformed_rules_show_the_expected_form() {
        for text in [
            "rcpt nobody@example.net",
            "frob => 250",
            "mail times x => 250",
            "rcpt => 999 x",
            "connect a@b => 250",
            "data => drop 5",
        ] {
            let error = parse_rule(text).expect_err(text);
            assert!(error.contains("PHASE [ADDRESS] [times N] => REPLY"), "{text}: {error}");
        }
    }
}
