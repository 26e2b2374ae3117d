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
struct Tool {
    /// The command the tests run.
    program: &'static str,
    /// The arguments that make it print its version and exit zero.
    probe: &'static [&'static str],
    /// The command line that installs it.
    install: &'static [&'static str],
}

/// The third-party programs the tests need: Python's smtplib and curl
/// (real clients) and aiosmtpd (a real server, from PyPI).
const REQUIRED_TOOLS: &[Tool] = &[
    Tool {
        program: "python3",
        probe: &["--version"],
        install: &["apt-get", "install", "-y", "python3"],
    },
    Tool { program: "curl", probe: &["--version"], install: &["apt-get", "install", "-y", "curl"] },
    Tool {
        program: "python3",
        probe: &["-c", "import aiosmtpd"],
        install: &["python3", "-m", "pip", "install", "--quiet", "aiosmtpd"],
    },
];

/// Installs missing tools, then runs every test.
pub(crate) fn run() -> anyhow::Result<()> {
    for tool in REQUIRED_TOOLS {
        ensure(tool)?;
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

/// Installs `tool` unless it already runs.
fn ensure(tool: &Tool) -> anyhow::Result<()> {
    if probe(tool) {
        return Ok(());
    }
    eprintln!("xtask: `{} {}` fails; installing", tool.program, tool.probe.join(" "));
    let (program, args) = tool.install.split_first().expect("an install command has a program");
    cmd(program, args)?;
    if !probe(tool) {
        bail!(
            "`{} {}` still fails after `{}`",
            tool.program,
            tool.probe.join(" "),
            tool.install.join(" ")
        );
    }
    Ok(())
}

/// True when the tool starts and exits zero.
fn probe(tool: &Tool) -> bool {
    Command::new(tool.program).args(tool.probe).output().is_ok_and(|o| o.status.success())
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
