//! Delivery into a Maildir, so that any mail reader can open what the mock
//! server accepted: one Maildir per recipient under a root folder.
//!
//! A message is written into `tmp/` and renamed into `new/` (the Maildir
//! rule that makes it appear whole or not at all), before the server
//! answers 250 to it; with several recipients, every copy is written
//! before any is renamed, and a failure removes them all, so that no
//! recipient holds a message the server answered 451.

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

    /// Delivers a message to each of its recipients, all or none,
    /// returning the files written.
    ///
    /// The steps, so that no recipient sees the message unless all do:
    ///
    /// 1. write the message into `tmp/` of every recipient's Maildir;
    /// 2. rename each file into `new/`;
    /// 3. on a failure at any step, remove every file written so far,
    ///    from `tmp/` and from `new/`.
    ///
    /// # Errors
    ///
    /// The first I/O error; nothing of the message is left delivered.
    pub fn deliver(&self, message: &ReceivedMessage) -> io::Result<Vec<PathBuf>> {
        let mut staged = Vec::with_capacity(message.envelope.recipients.len());
        for recipient in &message.envelope.recipients {
            let address = bare_address(&recipient.forward_path);
            match self.write_tmp(&self.mailbox_path(&address), &message.content) {
                Ok(paths) => staged.push(paths),
                Err(error) => {
                    remove_all(staged.iter().map(|(tmp, _)| tmp));
                    return Err(error);
                }
            }
        }

        let mut delivered = Vec::with_capacity(staged.len());
        for (i, (tmp, new)) in staged.iter().enumerate() {
            if let Err(error) = fs::rename(tmp, new) {
                remove_all(delivered.iter().chain(staged[i..].iter().map(|(tmp, _)| tmp)));
                return Err(error);
            }
            delivered.push(new.clone());
        }
        Ok(delivered)
    }

    /// Writes `content` into `tmp/` of the Maildir at `dir`, creating the
    /// Maildir where missing, and returns the file's path in `tmp/` and
    /// the path it takes in `new/`.
    fn write_tmp(&self, dir: &Path, content: &[u8]) -> io::Result<(PathBuf, PathBuf)> {
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
        let written = fs::File::create(&tmp).and_then(|mut file| {
            file.write_all(content)?;
            file.sync_all()
        });
        if let Err(error) = written {
            // A file cut short must not linger in tmp/.
            let _ = fs::remove_file(&tmp);
            return Err(error);
        }
        Ok((tmp, dir.join("new").join(&name)))
    }
}

/// Removes files of a delivery that failed. A file that cannot be
/// removed is left: the error that caused the removal is the one to
/// report.
fn remove_all<'a>(paths: impl Iterator<Item = &'a PathBuf>) {
    for path in paths {
        let _ = fs::remove_file(path);
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
