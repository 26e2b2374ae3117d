//! `cargo xtask fuzz`: a fuzzing campaign on one target of `fuzz/`, or a
//! short run of every target, as CI does.
//!
//! The targets build with cargo-fuzz on the nightly toolchain; both are
//! installed first where they are missing. Every run uses the target's
//! seed corpus in `fuzz/corpus/TARGET` and the dictionary `fuzz/smtp.dict`.
//! A crash fails the task and leaves its input in `fuzz/artifacts/TARGET`.

use std::io::{BufRead as _, BufReader};
use std::process::{Command, Stdio};

use anyhow::{bail, Context as _};

use crate::cmd;

/// How long the smoke run fuzzes each target, in seconds, unless `--time`
/// says otherwise: long enough to get past the seeds, short enough for CI.
const SMOKE_SECONDS: u64 = 20;

/// The longest one input may take, in seconds, before libFuzzer reports it
/// as a hang; its own default of twenty minutes would outlast a CI run.
const INPUT_TIMEOUT_SECONDS: u64 = 30;

/// The dictionary every run uses, from the workspace root.
const DICTIONARY: &str = "fuzz/smtp.dict";

/// Where the smoke run collects the inputs it finds, so that a run leaves
/// the committed corpus as it was; under `fuzz/target`, which git ignores.
const SMOKE_CORPUS: &str = "fuzz/target/smoke-corpus";

/// What `cargo xtask fuzz` was asked to do.
#[derive(Debug, PartialEq, Eq)]
enum Task {
    /// Fuzz one target, for `time` seconds or until stopped, with `jobs`
    /// processes; new inputs go into its committed corpus.
    Campaign { target: String, time: Option<u64>, jobs: u32 },
    /// Fuzz every target for `time` seconds each, on a scratch corpus.
    Smoke { time: u64 },
}

/// Runs `cargo xtask fuzz` with the arguments after `fuzz`.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let task = parse_args(args)?;
    ensure_cargo_fuzz()?;
    match task {
        Task::Campaign { target, time, jobs } => campaign(&target, time, jobs),
        Task::Smoke { time } => smoke(time),
    }
}

/// Reads `TARGET [--time SECONDS] [--jobs N]` or `--smoke [--time SECONDS]`.
fn parse_args(args: &[String]) -> anyhow::Result<Task> {
    let (mut target, mut smoke, mut time, mut jobs) = (None, false, None, 1);
    let mut args = args.iter();
    while let Some(arg) = args.next() {
        let mut value = |name: &str| {
            let value = args.next().with_context(|| format!("{name} needs a value"))?;
            value.parse::<u64>().with_context(|| format!("{name} takes a number, not {value:?}"))
        };
        match arg.as_str() {
            "--smoke" => smoke = true,
            "--time" => time = Some(value("--time")?),
            "--jobs" => jobs = u32::try_from(value("--jobs")?).context("--jobs is too large")?,
            flag if flag.starts_with('-') => bail!("unknown option {flag:?}"),
            name if target.is_none() => target = Some(name.to_owned()),
            extra => bail!("unexpected argument {extra:?}"),
        }
    }
    match (target, smoke) {
        (Some(target), false) => Ok(Task::Campaign { target, time, jobs: jobs.max(1) }),
        (None, true) if jobs == 1 => Ok(Task::Smoke { time: time.unwrap_or(SMOKE_SECONDS) }),
        (None, true) => bail!("--smoke runs one job per target; --jobs is for a campaign"),
        (Some(_), true) => bail!("--smoke runs every target; name none"),
        (None, false) => bail!("name a target, or pass --smoke"),
    }
}

/// Fuzzes `target`, adding what it finds to the target's corpus.
fn campaign(target: &str, time: Option<u64>, jobs: u32) -> anyhow::Result<()> {
    let targets = targets()?;
    if !targets.iter().any(|t| t == target) {
        bail!("no fuzz target {target:?}; the targets are {}", targets.join(", "));
    }
    let corpus = format!("fuzz/corpus/{target}");
    let jobs = jobs.to_string();
    let mut args = vec!["+nightly", "fuzz", "run", "--jobs", &jobs, target, &corpus, "--"];
    let dict = format!("-dict={DICTIONARY}");
    let timeout = format!("-timeout={INPUT_TIMEOUT_SECONDS}");
    args.extend([dict.as_str(), timeout.as_str()]);
    let max_time = time.map(|seconds| format!("-max_total_time={seconds}"));
    args.extend(max_time.as_deref());
    cmd("cargo", &args)
}

/// Checks the fuzz crate's formatting and runs its tests, builds every
/// target once, then fuzzes each for `time` seconds on a scratch corpus
/// seeded from its own, and fails at the first crash.
fn smoke(time: u64) -> anyhow::Result<()> {
    // `fuzz/` is a workspace of its own, so `cargo xtask ci` covers none
    // of it.
    cmd("cargo", &["fmt", "--manifest-path", "fuzz/Cargo.toml", "--check"])?;
    cmd("cargo", &["+nightly", "test", "--manifest-path", "fuzz/Cargo.toml", "--locked"])?;
    cmd("cargo", &["+nightly", "fuzz", "build"])?;

    let root = crate::workspace_root();
    let mut runs = Vec::new();
    for target in targets()? {
        // libFuzzer writes new inputs into the first corpus directory and
        // only reads the others, so the committed seeds go second.
        let scratch = format!("{SMOKE_CORPUS}/{target}");
        let scratch_path = root.join(&scratch);
        if scratch_path.exists() {
            std::fs::remove_dir_all(&scratch_path)
                .with_context(|| format!("removing {}", scratch_path.display()))?;
        }
        std::fs::create_dir_all(&scratch_path)
            .with_context(|| format!("creating {}", scratch_path.display()))?;

        let seeds = format!("fuzz/corpus/{target}");
        let options = [
            format!("-max_total_time={time}"),
            format!("-timeout={INPUT_TIMEOUT_SECONDS}"),
            format!("-dict={DICTIONARY}"),
        ];
        let mut args = vec!["+nightly", "fuzz", "run", &target, &scratch, &seeds, "--"];
        args.extend(options.iter().map(String::as_str));
        let done = run_libfuzzer(&args)?;
        runs.push(format!("{target}: {}", done.as_deref().unwrap_or("no summary")));
    }

    eprintln!("xtask: fuzz smoke passed, {time} s per target:");
    for line in runs {
        eprintln!("xtask:   {line}");
    }
    Ok(())
}

/// Runs `cargo` with `args`, passing libFuzzer's output through, and
/// returns its closing `Done N runs in S second(s)` line.
fn run_libfuzzer(args: &[&str]) -> anyhow::Result<Option<String>> {
    eprintln!("xtask: $ cargo {}", args.join(" "));
    let mut child = Command::new("cargo")
        .args(args)
        .current_dir(crate::workspace_root())
        .stderr(Stdio::piped())
        .spawn()
        .context("could not start cargo")?;
    let stderr = child.stderr.take().context("cargo's errors are piped")?;
    let (mut done, mut artifact) = (None, None);
    for line in BufReader::new(stderr).lines() {
        let line = line.context("reading libFuzzer's output")?;
        eprintln!("{line}");
        if line.starts_with("Done ") {
            done = Some(line);
        } else if let Some(path) = written_input(&line) {
            artifact = Some(path.to_owned());
        }
    }
    let status = child.wait().context("waiting for cargo")?;
    let command = args.join(" ");
    match (status.success(), artifact) {
        (true, _) => Ok(done),
        (false, Some(path)) => bail!("`cargo {command}` failed with {status}; the input is {path}"),
        // A build error, or a crash of libFuzzer itself: no input to keep.
        (false, None) => bail!("`cargo {command}` failed with {status}"),
    }
}

/// The file libFuzzer names on a line of its output where it saved the
/// input that failed.
fn written_input(line: &str) -> Option<&str> {
    let (_, path) = line.split_once("Test unit written to ")?;
    Some(path.trim())
}

/// The fuzz targets: the files of `fuzz/fuzz_targets`, by name.
fn targets() -> anyhow::Result<Vec<String>> {
    let dir = crate::workspace_root().join("fuzz/fuzz_targets");
    let entries = std::fs::read_dir(&dir).with_context(|| format!("listing {}", dir.display()))?;
    let mut targets = Vec::new();
    for entry in entries {
        let path = entry.with_context(|| format!("listing {}", dir.display()))?.path();
        if path.extension().is_some_and(|e| e == "rs") {
            targets.extend(path.file_stem().and_then(|s| s.to_str()).map(str::to_owned));
        }
    }
    targets.sort();
    Ok(targets)
}

/// Installs the nightly toolchain and cargo-fuzz where they are missing.
fn ensure_cargo_fuzz() -> anyhow::Result<()> {
    if !succeeds("cargo", &["+nightly", "--version"]) {
        eprintln!("xtask: the nightly toolchain is missing; installing it");
        cmd("rustup", &["toolchain", "install", "nightly", "--profile", "minimal"])?;
    }
    if !succeeds("cargo", &["fuzz", "--version"]) {
        eprintln!("xtask: cargo-fuzz is missing; installing it");
        cmd("cargo", &["install", "cargo-fuzz", "--locked"])?;
        if !succeeds("cargo", &["fuzz", "--version"]) {
            bail!("cargo-fuzz is still missing after `cargo install cargo-fuzz --locked`");
        }
    }
    Ok(())
}

/// True when `program` starts and exits zero, its output discarded.
fn succeeds(program: &str, args: &[&str]) -> bool {
    Command::new(program)
        .args(args)
        .current_dir(crate::workspace_root())
        .output()
        .is_ok_and(|o| o.status.success())
}

#[cfg(test)]
mod tests {
    use super::{parse_args, written_input, Task, SMOKE_SECONDS};

    #[test]
    fn the_saved_input_is_read_from_libfuzzer_output_and_only_from_there() {
        let line = "artifact_prefix='fuzz/artifacts/reply/'; \
                    Test unit written to fuzz/artifacts/reply/crash-0a1b";
        assert_eq!(written_input(line), Some("fuzz/artifacts/reply/crash-0a1b"));
        assert_eq!(written_input("error[E0425]: cannot find function `nonce`"), None);
        assert_eq!(written_input("Done 1000 runs in 20 second(s)"), None);
    }

    fn parse(args: &[&str]) -> anyhow::Result<Task> {
        parse_args(&args.iter().map(|a| a.to_string()).collect::<Vec<_>>())
    }

    #[test]
    fn a_campaign_names_its_target_and_may_bound_time_and_jobs() {
        let task = parse(&["command", "--time", "60", "--jobs", "2"]).expect("valid");
        assert_eq!(task, Task::Campaign { target: "command".into(), time: Some(60), jobs: 2 });
        let task = parse(&["reply"]).expect("valid");
        assert_eq!(task, Task::Campaign { target: "reply".into(), time: None, jobs: 1 });
    }

    #[test]
    fn the_smoke_run_takes_a_time_per_target_and_no_target() {
        assert_eq!(parse(&["--smoke"]).expect("valid"), Task::Smoke { time: SMOKE_SECONDS });
        assert_eq!(parse(&["--smoke", "--time", "5"]).expect("valid"), Task::Smoke { time: 5 });
        assert!(parse(&["--smoke", "command"]).is_err());
        assert!(parse(&["--smoke", "--jobs", "2"]).is_err());
    }

    #[test]
    fn bad_arguments_are_refused() {
        assert!(parse(&[]).is_err());
        assert!(parse(&["command", "--time"]).is_err());
        assert!(parse(&["command", "--time", "soon"]).is_err());
        assert!(parse(&["command", "--fast"]).is_err());
        assert!(parse(&["command", "reply"]).is_err());
    }
}
