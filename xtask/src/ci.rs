//! `cargo xtask ci`: the checks every change must pass, in the order CI
//! runs them.

use crate::cmd;

/// Formatting, lints with warnings denied, then every test.
pub(crate) fn run() -> anyhow::Result<()> {
    cmd("cargo", &["fmt", "--all", "--check"])?;
    cmd("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    // The interoperability tests compile only with their feature on.
    cmd(
        "cargo",
        &["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"],
    )?;
    crate::test::run()
}
