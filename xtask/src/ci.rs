//! `cargo xtask ci`: the checks every change must pass, in the order CI
//! runs them: formatting, lints, documentation, tests.

use crate::cmd;

/// Formatting, lints and documentation with warnings denied, then every
/// test.
pub(crate) fn run() -> anyhow::Result<()> {
    cmd("cargo", &["fmt", "--all", "--check"])?;
    cmd("cargo", &["clippy", "--workspace", "--all-targets", "--", "-D", "warnings"])?;
    // The interoperability tests compile only with their feature on.
    cmd(
        "cargo",
        &["clippy", "--workspace", "--all-targets", "--all-features", "--", "-D", "warnings"],
    )?;
    doc()?;
    crate::test::run()
}

/// Builds the documentation with warnings denied, so that a broken link or
/// a missing doc comment fails like a lint.
fn doc() -> anyhow::Result<()> {
    eprintln!("xtask: $ RUSTDOCFLAGS=\"-D warnings\" cargo doc --workspace --no-deps");
    let status = std::process::Command::new("cargo")
        .args(["doc", "--workspace", "--no-deps"])
        .env("RUSTDOCFLAGS", "-D warnings")
        .current_dir(crate::workspace_root())
        .status()?;
    anyhow::ensure!(status.success(), "`cargo doc` failed with {status}");
    Ok(())
}
