//! `cargo xtask test`: every test of the workspace.
//!
//! The unit, integration, property and documentation tests need nothing
//! but Rust. Tests that drive third-party programs (SMTP clients and
//! servers used for interoperability) list those programs in
//! [`REQUIRED_TOOLS`]; each one missing is installed before any test runs,
//! and one that cannot be installed fails the run rather than being
//! skipped.

use std::process::Command;

use anyhow::bail;

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

/// The third-party programs the tests need. Python's smtplib comes with
/// python3 and serves as a real client in the interoperability tests.
const REQUIRED_TOOLS: &[Tool] = &[Tool {
    program: "python3",
    probe: &["--version"],
    install: &["apt-get", "install", "-y", "python3"],
}];

/// Installs missing tools, then runs every test.
pub(crate) fn run() -> anyhow::Result<()> {
    for tool in REQUIRED_TOOLS {
        ensure(tool)?;
    }
    cmd("cargo", &["test", "--workspace", "--all-features", "--locked"])
}

/// Installs `tool` unless it already runs.
fn ensure(tool: &Tool) -> anyhow::Result<()> {
    if probe(tool) {
        return Ok(());
    }
    eprintln!("xtask: {} is missing; installing it", tool.program);
    let (program, args) = tool.install.split_first().expect("an install command has a program");
    cmd(program, args)?;
    if !probe(tool) {
        bail!("{} is still missing after `{}`", tool.program, tool.install.join(" "));
    }
    Ok(())
}

/// True when the tool starts and exits zero.
fn probe(tool: &Tool) -> bool {
    Command::new(tool.program).args(tool.probe).output().is_ok_and(|o| o.status.success())
}
