//! Project tasks, run as `cargo xtask <task>`.
//!
//! - `cargo xtask test`: installs what the tests need where it is missing,
//!   then runs every test of the workspace. This is the README's test
//!   command.
//! - `cargo xtask ci`: what CI runs: formatting, lint and documentation
//!   checks, then `test`.
//! - `cargo xtask fuzz`: a fuzzing campaign on one target of `fuzz/`, or
//!   with `--smoke` a short run of every target, as CI does before `ci`.
//! - `cargo xtask bench`: the codec's benchmarks, then a table of smtpkit's
//!   throughput beside its peers'.
//! - `cargo xtask bench-load`: messages per second of `smtpkit serve`
//!   beside Postfix's smtp-sink, driven by smtp-source and `smtpkit load`.
#![forbid(unsafe_code)]

mod bench;
mod bench_load;
mod ci;
mod fuzz;
mod test;

use std::process::{Command, ExitCode};

use anyhow::{bail, Context as _};

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("test") => test::run(),
        Some("ci") => ci::run(),
        Some("fuzz") => fuzz::run(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        Some("bench-load") => bench_load::run(&args[1..]),
        Some("help" | "--help" | "-h") | None => {
            print!("{}", USAGE);
            Ok(())
        }
        Some(other) => Err(anyhow::anyhow!("unknown task {other:?}\n\n{USAGE}")),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("xtask: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

const USAGE: &str = "\
usage: cargo xtask <task>

tasks:
  test   install what the tests need where missing, then run every test
  ci     cargo fmt --check, cargo clippy -D warnings, cargo doc -D warnings,
         then `test`
  fuzz TARGET [--time SECONDS] [--jobs N]
         fuzz one target of fuzz/ (until stopped unless --time), adding
         new inputs to fuzz/corpus/TARGET
  fuzz --smoke [--time SECONDS]
         fuzz every target for SECONDS (default 20) each on a scratch copy
         of its corpus; fails on any crash
  bench [-- CRITERION OPTIONS]
         run the codec's benchmarks next to their peers (criterion's
         options such as `--measurement-time 3` or a filter after `--`),
         then print MB/s per implementation and smtpkit's ratios
  bench-load [--messages N] [--timeout SECONDS]
         messages per second and server CPU time per message of
         `smtpkit serve` and Postfix's smtp-sink, each driven by
         smtp-source and `smtpkit load`: N 4096-octet
         messages a run (default 30000), a fifth as many of 102400 octets;
         each driver stopped after SECONDS (default 60)
";

/// Runs `program` with `args` from the workspace root, echoing the command
/// line, and fails when it exits non-zero.
pub(crate) fn cmd(program: &str, args: &[&str]) -> anyhow::Result<()> {
    eprintln!("xtask: $ {program} {}", args.join(" "));
    let status = Command::new(program)
        .args(args)
        .current_dir(workspace_root())
        .status()
        .with_context(|| format!("could not start {program}"))?;
    if !status.success() {
        bail!("`{program} {}` failed with {status}", args.join(" "));
    }
    Ok(())
}

/// The workspace root: the parent of this crate's folder.
pub(crate) fn workspace_root() -> std::path::PathBuf {
    let manifest_dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    manifest_dir.parent().unwrap_or(manifest_dir).to_path_buf()
}
