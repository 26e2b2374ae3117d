//! Delivery into Maildirs: the telnet lesson lands in the recipient's
//! Maildir, whole, before the 250.

mod common;

use std::time::Duration;

use smtpkit_mock::{Maildirs, MockServer};
use tokio::io::AsyncReadExt;

#[tokio::test]
async fn the_lesson_lands_in_the_recipients_maildir_before_its_250() {
    let root = std::env::temp_dir().join(format!("smtpkit-maildir-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let server = MockServer::builder()
        .maildir(Maildirs::new(&root).expect("root"))
        .start()
        .await
        .expect("starts");

    let mut stream = common::connect_and_send(
        &server,
        b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\nRCPT TO:<fuga@example.net>\r\n\
          RCPT TO:<piyo@example.net>\r\nDATA\r\n\r\nHello, this is HAL-9000.\r\n\
          I can sing songs.\r\n\r\n.\r\n",
    )
    .await;
    // Read up to the 250 for the message: by then it must be in new/.
    let mut replies = Vec::new();
    let mut chunk = [0u8; 1024];
    while !String::from_utf8_lossy(&replies).contains("250 2.6.0") {
        let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut chunk))
            .await
            .expect("in time")
            .expect("reads");
        assert!(n > 0, "the server closed early");
        replies.extend_from_slice(&chunk[..n]);
    }
    for recipient in ["fuga@example.net", "piyo@example.net"] {
        let new = root.join(recipient).join("new");
        let files: Vec<_> = std::fs::read_dir(&new).expect("new/ exists").collect();
        assert_eq!(files.len(), 1, "{recipient}");
        let file = files.into_iter().next().expect("one").expect("entry").path();
        let content = std::fs::read(&file).expect("readable");
        assert_eq!(content, b"\r\nHello, this is HAL-9000.\r\nI can sing songs.\r\n\r\n");
        assert_eq!(std::fs::read_dir(root.join(recipient).join("tmp")).expect("tmp/").count(), 0);
    }
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn a_failed_delivery_answers_451_and_stores_nothing() {
    // A file where the root folder should be makes every delivery fail.
    let root = std::env::temp_dir().join(format!("smtpkit-maildir-bad-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let maildirs = Maildirs::new(&root).expect("root");
    std::fs::write(root.join("fuga@example.net"), b"not a folder").expect("a file in the way");
    let server = MockServer::builder().maildir(maildirs).start().await.expect("starts");

    let mut stream = common::connect_and_send(
        &server,
        b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\nRCPT TO:<fuga@example.net>\r\n\
          DATA\r\nhi\r\n.\r\nQUIT\r\n",
    )
    .await;
    let mut replies = Vec::new();
    stream.read_to_end(&mut replies).await.expect("reads");
    assert!(
        String::from_utf8_lossy(&replies).contains("451 4.3.0"),
        "{}",
        String::from_utf8_lossy(&replies)
    );
    assert!(server.messages().is_empty());
    let _ = std::fs::remove_dir_all(&root);
}

#[tokio::test]
async fn a_delivery_that_fails_for_one_recipient_leaves_nothing_for_the_others() {
    // The first recipient's Maildir is fine; a file stands where the
    // second one's should be.
    let root = std::env::temp_dir().join(format!("smtpkit-maildir-half-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&root);
    let maildirs = Maildirs::new(&root).expect("root");
    std::fs::write(root.join("piyo@example.net"), b"not a folder").expect("a file in the way");
    let server = MockServer::builder().maildir(maildirs).start().await.expect("starts");

    let mut stream = common::connect_and_send(
        &server,
        b"EHLO example.net\r\nMAIL FROM:<hoge@example.net>\r\nRCPT TO:<fuga@example.net>\r\n\
          RCPT TO:<piyo@example.net>\r\nDATA\r\nhi\r\n.\r\nQUIT\r\n",
    )
    .await;
    let mut replies = Vec::new();
    stream.read_to_end(&mut replies).await.expect("reads");
    let text = String::from_utf8_lossy(&replies);
    assert!(text.contains("451 4.3.0"), "{text}");
    assert!(server.messages().is_empty());
    for sub in ["new", "tmp"] {
        let files = std::fs::read_dir(root.join("fuga@example.net").join(sub)).expect("exists");
        assert_eq!(files.count(), 0, "fuga@example.net/{sub}");
    }
    let _ = std::fs::remove_dir_all(&root);
}
