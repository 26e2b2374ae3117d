//! A bounded load test: many client sessions at once against the mock
//! server over loopback, each sending many pipelined messages on one
//! connection, with every message checked to arrive once and byte-exact.
//!
//! Run it with `--nocapture` to see the rate and the peak memory.

use std::collections::HashSet;
use std::sync::Arc;
use std::time::{Duration, Instant};

use smtpkit_client::{Client, ClientConfig, Envelope, Error};
use smtpkit_codec::{ForwardPath, Host, ReversePath};
use smtpkit_mock::MockServer;
use tokio::sync::Barrier;

/// Client sessions open at once, each on its own connection and task.
const SESSIONS: usize = 100;

/// Messages each session sends over its one connection.
const MESSAGES_PER_SESSION: usize = 100;

/// Every message of the run.
const TOTAL: usize = SESSIONS * MESSAGES_PER_SESSION;

/// How long the whole run may take before the test fails instead of
/// hanging; a debug build on two cores needs a small fraction of it.
const RUN_LIMIT: Duration = Duration::from_secs(120);

/// A send that failed: the session, the message within it, and why.
type Failure = (usize, usize, Error);

/// The unique content of one message. The line that starts with a dot must
/// be dot-stuffed by the client and unstuffed by the server, and the lone
/// dot would end the data early if either side got stuffing wrong.
fn body(session: usize, message: usize) -> Vec<u8> {
    format!(
        "Subject: load s{session} m{message}\r\n\
         Message-ID: <s{session}.m{message}@load.example>\r\n\
         \r\n\
         Session {session}, message {message}.\r\n\
         .s{session}.m{message} starts with a dot\r\n\
         .\r\n\
         ..two dots\r\n\
         end of s{session} m{message}\r\n"
    )
    .into_bytes()
}

fn envelope(session: usize) -> Envelope {
    let from = format!("sender{session}@load.example");
    let to = format!("rcpt{session}@load.example");
    Envelope {
        reverse_path: ReversePath::Mailbox(from.parse().expect("a valid mailbox")),
        parameters: Default::default(),
        recipients: vec![(
            ForwardPath::Mailbox(to.parse().expect("a valid mailbox")),
            Default::default(),
        )],
    }
}

/// One client session: connect and greet, wait for every other session to
/// be ready, then send this session's messages and quit. Returns the
/// sends that failed; an error before the first send counts as message 0.
async fn session(number: usize, server: std::net::SocketAddr, start: Arc<Barrier>) -> Vec<Failure> {
    let fail_all = |error: Error| vec![(number, 0, error)];
    let mut client = match Client::connect(server, ClientConfig::default()).await {
        Ok(client) => client,
        Err(error) => {
            // The barrier still needs this session, or the others wait
            // for it until the run limit.
            start.wait().await;
            return fail_all(error);
        }
    };
    let greeted = client.ehlo(&Host::new("load.example").expect("a valid name")).await;
    let pipelining = greeted.map(|offered| offered.supports_pipelining());
    start.wait().await;
    match pipelining {
        Ok(true) => {}
        Ok(false) => panic!("the mock offers PIPELINING by default, and this test relies on it"),
        Err(error) => return fail_all(error),
    }

    let envelope = envelope(number);
    let mut failures = Vec::new();
    for message in 0..MESSAGES_PER_SESSION {
        match client.send(&envelope, &body(number, message)).await {
            Ok(report) if report.rejected.is_empty() => {}
            Ok(report) => panic!("session {number} message {message}: refused {report:?}"),
            Err(error) => {
                // A failed send may leave the connection unusable, so the
                // rest of this session's messages are not attempted; the
                // test's check of the store's count shows them as missing.
                failures.push((number, message, error));
                return failures;
            }
        }
    }
    if let Err(error) = client.quit().await {
        failures.push((number, MESSAGES_PER_SESSION, error));
    }
    failures
}

/// The process's peak resident memory, from `VmHWM` in /proc/self/status.
#[cfg(target_os = "linux")]
fn peak_memory() -> Option<String> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|line| line.starts_with("VmHWM:"))?;
    Some(line.trim_start_matches("VmHWM:").trim().to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hundred_sessions_deliver_every_pipelined_message_exactly_once() {
    // The store holds exactly the run's messages and refuses more, so a
    // duplicate would show as a refused send as well as in the sets.
    let server = MockServer::builder()
        .connection_limit(SESSIONS)
        .store_capacity(TOTAL, false)
        .start()
        .await
        .expect("the mock server starts");
    let addr = server.addr();

    let run = async {
        // Every session connects and greets before the clock starts, so
        // the rate counts messages rather than connection set-up.
        let start = Arc::new(Barrier::new(SESSIONS + 1));
        let tasks: Vec<_> = (0..SESSIONS)
            .map(|number| tokio::spawn(session(number, addr, Arc::clone(&start))))
            .collect();
        start.wait().await;
        let started = Instant::now();

        let mut failures = Vec::new();
        for task in tasks {
            failures.extend(task.await.expect("a session task does not panic"));
        }
        (started.elapsed(), failures)
    };
    let (elapsed, failures) = tokio::time::timeout(RUN_LIMIT, run)
        .await
        .unwrap_or_else(|_| panic!("the run did not finish within {RUN_LIMIT:?}"));

    let shown: Vec<String> = failures
        .iter()
        .take(5)
        .map(|(session, message, error)| format!("s{session} m{message}: {error}"))
        .collect();
    assert!(failures.is_empty(), "{} sends failed, first: {shown:#?}", failures.len());

    // The mock stores a message before its 250 goes out, so every accepted
    // send is already in the store.
    let stored = server.messages();
    assert_eq!(stored.len(), TOTAL, "the store holds every message and no more");
    let expected: HashSet<Vec<u8>> = (0..SESSIONS)
        .flat_map(|session| (0..MESSAGES_PER_SESSION).map(move |message| body(session, message)))
        .collect();
    let received: HashSet<Vec<u8>> = stored.iter().map(|m| m.message.content.clone()).collect();
    assert_eq!(received.len(), TOTAL, "no body is stored twice");
    let missing = expected.difference(&received).count();
    let unexpected: Vec<String> = received
        .difference(&expected)
        .take(3)
        .map(|content| String::from_utf8_lossy(content).into_owned())
        .collect();
    assert!(
        missing == 0 && unexpected.is_empty(),
        "{missing} bodies missing; bodies not sent, or altered (first few): {unexpected:#?}"
    );

    let rate = TOTAL as f64 / elapsed.as_secs_f64();
    println!(
        "load: {SESSIONS} sessions x {MESSAGES_PER_SESSION} messages = {TOTAL} in {:.2} s, \
         {rate:.0} messages/s",
        elapsed.as_secs_f64()
    );
    #[cfg(target_os = "linux")]
    if let Some(peak) = peak_memory() {
        println!("load: peak memory (VmHWM) {peak}");
    }
}
