//! Delivery into a Maildir, so that any mail reader can open what the mock
//! server accepted: one Maildir per recipient under a root folder.
//!
//! A message is written into `tmp/` and renamed into `new/` (the Maildir
//! rule that makes it appear whole or not at all), before the server
//! answers 250 to it.

use std::fs;
use std::io::{self, Write as _};
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use crate::message::{bare_address, ReceivedMessage};

/// A root folder holding one Maildir per recipient address.
#[derive(Debug)]
pub struct Maildirs {
    /// The root folder.
    root: PathBuf,
    /// Counts deliveries, for unique file names within this process.
    counter: AtomicU64,
}

impl Maildirs {
    /// Uses `root`, creating it where missing.
    ///
    /// # Errors
    ///
    /// The I/O error of creating the folder.
    pub fn new(root: impl Into<PathBuf>) -> io::Result<Self> {
        let root = root.into();
        fs::create_dir_all(&root)?;
        Ok(Self { root, counter: AtomicU64::new(0) })
    }

    /// The Maildir of one recipient: the root joined with the address,
    /// where `/` and a leading `.` are replaced by `_` so that no address
    /// can name a folder outside the root.
    pub fn mailbox_path(&self, address: &str) -> PathBuf {
        let mut name: String = address
            .chars()
            .map(|c| if c == '/' || c == '\\' || c == '\0' { '_' } else { c })
            .collect();
        if name.starts_with('.') || name.is_empty() {
            name.insert(0, '_');
        }
        self.root.join(name)
    }

    /// Delivers a message to each of its recipients, returning the files
    /// written.
    ///
    /// # Errors
    ///
    /// The first I/O error; files already delivered to other recipients
    /// stay.
    pub fn deliver(&self, message: &ReceivedMessage) -> io::Result<Vec<PathBuf>> {
        let mut written = Vec::with_capacity(message.envelope.recipients.len());
        for recipient in &message.envelope.recipients {
            let address = bare_address(&recipient.forward_path);
            written.push(self.deliver_one(&self.mailbox_path(&address), &message.content)?);
        }
        Ok(written)
    }

    /// Writes `content` into `tmp/` of the Maildir at `dir`, then renames it
    /// into `new/`.
    fn deliver_one(&self, dir: &Path, content: &[u8]) -> io::Result<PathBuf> {
        for sub in ["tmp", "new", "cur"] {
            fs::create_dir_all(dir.join(sub))?;
        }
        let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
        let count = self.counter.fetch_add(1, Ordering::Relaxed);
        let name = format!(
            "{}.M{}P{}Q{count}.smtpkit",
            now.as_secs(),
            now.subsec_micros(),
            std::process::id()
        );
        let tmp = dir.join("tmp").join(&name);
        let mut file = fs::File::create(&tmp)?;
        file.write_all(content)?;
        file.sync_all()?;
        let new = dir.join("new").join(&name);
        fs::rename(&tmp, &new)?;
        Ok(new)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_never_name_a_folder_outside_the_root() {
        let dirs = Maildirs::new(std::env::temp_dir().join("smtpkit-maildir-names")).expect("root");
        for address in ["../etc@example.org", "a/b@example.org", ".hidden@x", ""] {
            let path = dirs.mailbox_path(address);
            assert_eq!(path.parent(), Some(dirs.root.as_path()), "{address}");
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
            assert!(!name.starts_with('.') && !name.contains('/'), "{address}: {name}");
        }
    }
}
