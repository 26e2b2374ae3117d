//! `cargo xtask test`: every test of the workspace.
//!
//! The unit, integration, property and documentation tests need nothing
//! but Rust. Tests that drive third-party programs (SMTP clients and
//! servers used for interoperability) list those programs in
//! [`REQUIRED_TOOLS`]; each one missing is installed before any test runs,
//! and one that cannot be installed fails the run rather than being
//! skipped.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};

use crate::cmd;

/// A program some tests run, and how to install it where it is missing.
pub(crate) struct Tool {
    /// The command that must succeed when the tool is there.
    pub(crate) probe: &'static [&'static str],
    /// Where it comes from.
    pub(crate) install: Install,
}

/// How a tool is installed.
pub(crate) enum Install {
    /// A Debian package.
    Apt(&'static str),
    /// A package from PyPI, for python3.
    Pip(&'static str),
}

/// The third-party programs the tests need: Python's smtplib, curl and
/// swaks (real clients), Postfix's smtp-sink and aiosmtpd (real servers).
const REQUIRED_TOOLS: &[Tool] = &[
    Tool { probe: &["python3", "--version"], install: Install::Apt("python3") },
    Tool { probe: &["python3", "-m", "pip", "--version"], install: Install::Apt("python3-pip") },
    Tool { probe: &["curl", "--version"], install: Install::Apt("curl") },
    Tool { probe: &["sh", "-c", "command -v smtp-sink"], install: Install::Apt("postfix") },
    Tool { probe: &["sh", "-c", "command -v swaks"], install: Install::Apt("swaks") },
    // swaks speaks TLS through these Perl modules.
    Tool {
        probe: &["perl", "-MNet::SSLeay", "-MIO::Socket::SSL", "-e", "1"],
        install: Install::Apt("libio-socket-ssl-perl"),
    },
    Tool { probe: &["python3", "-c", "import aiosmtpd"], install: Install::Pip("aiosmtpd") },
];

/// Installs missing tools, then runs every test.
pub(crate) fn run() -> anyhow::Result<()> {
    let mut apt_updated = false;
    for tool in REQUIRED_TOOLS {
        ensure(tool, &mut apt_updated)?;
    }
    cargo_test(&["test", "--workspace", "--all-features", "--locked"])
}

/// Runs `cargo` with `args`, passing its output through, and ends with one
/// line that totals the tests of every test binary it ran.
fn cargo_test(args: &[&str]) -> anyhow::Result<()> {
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .current_dir(crate::workspace_root())
        .stdout(Stdio::piped())
        .spawn()
        .context("could not start cargo")?;
    let stdout = child.stdout.take().context("cargo's output is piped")?;
    let (mut passed, mut failed) = (0u64, 0u64);
    for line in BufReader::new(stdout).lines() {
        let line = line.context("reading cargo's output")?;
        println!("{line}");
        if let Some((p, f)) = test_result_counts(&line) {
            passed += p;
            failed += f;
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    println!("tests: {passed} passed, {failed} failed");
    if !status.success() {
        bail!("`cargo {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// Reads the counts of a line such as
/// `test result: ok. 12 passed; 0 failed; 0 ignored; …`.
fn test_result_counts(line: &str) -> Option<(u64, u64)> {
    let rest = line.strip_prefix("test result: ")?;
    let count = |word: &str| {
        rest.split(';').find_map(|part| {
            part.trim().strip_suffix(word)?.trim().rsplit(' ').next()?.parse::<u64>().ok()
        })
    };
    Some((count("passed")?, count("failed")?))
}

/// Installs `tool` unless its probe already succeeds.
pub(crate) fn ensure(tool: &Tool, apt_updated: &mut bool) -> anyhow::Result<()> {
    if probe(tool) {
        return Ok(());
    }
    eprintln!("xtask: `{}` fails; installing", tool.probe.join(" "));
    match tool.install {
        Install::Apt(package) => {
            // A fresh machine has no package lists yet.
            if !*apt_updated {
                apt(&["update", "-qq"])?;
                *apt_updated = true;
            }
            apt(&["install", "-y", "-qq", package])?;
        }
        Install::Pip(package) => cmd(
            "python3",
            &["-m", "pip", "install", "--quiet", "--break-system-packages", package],
        )?,
    }
    if !probe(tool) {
        bail!("`{}` still fails after installing", tool.probe.join(" "));
    }
    Ok(())
}

/// Runs apt-get without questions: Postfix's package asks some, and CI
/// has no one to answer them.
fn apt(args: &[&str]) -> anyhow::Result<()> {
    eprintln!("xtask: $ apt-get {}", args.join(" "));
    let status = Command::new("apt-get")
        .args(args)
        .env("DEBIAN_FRONTEND", "noninteractive")
        .stdin(Stdio::null())
        .status()
        .context("could not start apt-get")?;
    if !status.success() {
        bail!("`apt-get {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// True when the tool's probe starts and exits zero.
fn probe(tool: &Tool) -> bool {
    let (program, args) = tool.probe.split_first().expect("a probe has a program");
    Command::new(program)
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .is_ok_and(|status| status.success())
}

#[cfg(test)]
mod tests {
    use super::test_result_counts;

    #[test]
    fn test_result_lines_are_counted() {
        let line = "test result: ok. 109 passed; 2 failed; 0 ignored; 0 measured; 0 filtered out";
        assert_eq!(test_result_counts(line), Some((109, 2)));
        assert_eq!(test_result_counts("running 3 tests"), None);
    }
}
