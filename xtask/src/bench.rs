//! `cargo xtask bench`: the codec's benchmarks, then a table of their
//! throughput with smtpkit beside its peers.
//!
//! The benchmarks are `benches/benches/codec.rs`, run through criterion,
//! which leaves each result in `target/criterion/GROUP/FUNCTION/INPUT/new/`:
//! `benchmark.json` names the benchmark and its throughput, and
//! `estimates.json` holds the time per iteration in nanoseconds. The
//! function is the implementation (`smtpkit`, a peer crate, or a baseline
//! such as `copy`), so each input gets one line per implementation and the
//! ratio of each smtpkit variant to every other implementation.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use anyhow::Context as _;
use serde_json::Value;

use crate::cmd;

/// Runs the benchmarks with `args` passed on to `cargo bench` (criterion's
/// options after a `--`), then prints the table of what this run measured.
pub(crate) fn run(args: &[String]) -> anyhow::Result<()> {
    let started = SystemTime::now();
    let mut bench = vec!["bench", "-p", "smtpkit-benches", "--bench", "codec"];
    bench.extend(args.iter().map(String::as_str));
    cmd("cargo", &bench)?;

    let measurements = read_results(&criterion_dir(), Some(started))?;
    anyhow::ensure!(!measurements.is_empty(), "criterion left no results with a byte throughput");
    print!("{}", table(&measurements));
    Ok(())
}

/// One benchmark's result: an implementation on an input.
#[derive(Debug, Clone, PartialEq)]
struct Measurement {
    /// The criterion group, such as `commands_parse`.
    group: String,
    /// The input, such as `commands_parse_100tx`.
    input: String,
    /// The implementation, such as `smtpkit` or `smtp-proto`.
    implementation: String,
    /// The octets one iteration reads.
    bytes: u64,
    /// The time of one iteration, in nanoseconds.
    nanoseconds: f64,
}

impl Measurement {
    /// Throughput in megabytes (10^6 octets) per second.
    fn megabytes_per_second(&self) -> f64 {
        self.bytes as f64 * 1_000.0 / self.nanoseconds
    }

    /// True for smtpkit and its variants, such as `smtpkit-typed`.
    fn is_smtpkit(&self) -> bool {
        self.implementation.starts_with("smtpkit")
    }
}

/// Where criterion writes its results: `target/criterion` of the
/// workspace, or of `CARGO_TARGET_DIR` where that is set.
fn criterion_dir() -> PathBuf {
    let target = std::env::var_os("CARGO_TARGET_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| crate::workspace_root().join("target"));
    target.join("criterion")
}

/// Reads every result under `dir` that has a byte throughput, leaving out
/// those written before `since` (stale results of benchmarks this run
/// filtered out or no longer has). Results counted in elements are left to
/// criterion's own report.
fn read_results(dir: &Path, since: Option<SystemTime>) -> anyhow::Result<Vec<Measurement>> {
    let mut found = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        let entries =
            std::fs::read_dir(&folder).with_context(|| format!("reading {}", folder.display()))?;
        for entry in entries {
            let path = entry.with_context(|| format!("reading {}", folder.display()))?.path();
            if path.file_name().is_some_and(|name| name == "new") {
                found.push(path);
            } else if path.is_dir() {
                pending.push(path);
            }
        }
    }

    let mut measurements = Vec::new();
    for folder in found {
        let estimates = folder.join("estimates.json");
        if let Some(since) = since {
            let written = std::fs::metadata(&estimates).and_then(|meta| meta.modified());
            if written.map_or(true, |written| written < since) {
                continue;
            }
        }
        measurements.extend(read_measurement(&folder)?);
    }
    Ok(measurements)
}

/// Reads the result in one `new` folder, or `None` when its throughput is
/// not in bytes.
fn read_measurement(folder: &Path) -> anyhow::Result<Option<Measurement>> {
    let benchmark = read_json(&folder.join("benchmark.json"))?;
    let estimates = read_json(&folder.join("estimates.json"))?;
    let text = |key: &str| {
        benchmark[key]
            .as_str()
            .map(str::to_owned)
            .with_context(|| format!("{key} in {}", folder.display()))
    };

    let Some(bytes) = benchmark["throughput"]["Bytes"].as_u64() else {
        return Ok(None);
    };
    // Criterion reports the slope of a linear sampling and the mean of a
    // flat one; the slope is null for the latter.
    let nanoseconds = estimates["slope"]["point_estimate"]
        .as_f64()
        .or_else(|| estimates["mean"]["point_estimate"].as_f64())
        .with_context(|| format!("no time estimate in {}", folder.display()))?;
    Ok(Some(Measurement {
        group: text("group_id")?,
        input: text("value_str")?,
        implementation: text("function_id")?,
        bytes,
        nanoseconds,
    }))
}

/// Reads and parses one JSON file.
fn read_json(path: &Path) -> anyhow::Result<Value> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    serde_json::from_str(&text).with_context(|| format!("parsing {}", path.display()))
}

/// The table: for each group and input, the throughput of every
/// implementation (smtpkit's variants first), then one line per smtpkit
/// variant with its ratio to each other implementation.
fn table(measurements: &[Measurement]) -> String {
    let mut inputs: BTreeMap<(&str, &str), Vec<&Measurement>> = BTreeMap::new();
    for measurement in measurements {
        inputs.entry((&measurement.group, &measurement.input)).or_default().push(measurement);
    }
    let width = measurements.iter().map(|m| m.implementation.len()).max().unwrap_or(0);

    let mut out = String::new();
    for ((group, input), mut rows) in inputs {
        rows.sort_by(|a, b| {
            (!a.is_smtpkit(), &a.implementation).cmp(&(!b.is_smtpkit(), &b.implementation))
        });
        let _ = writeln!(out, "{group} / {input}");
        for row in &rows {
            let _ = writeln!(
                out,
                "  {:<width$}  {:>9.1} MB/s",
                row.implementation,
                row.megabytes_per_second()
            );
        }
        for ours in rows.iter().filter(|row| row.is_smtpkit()) {
            let ratios: Vec<String> = rows
                .iter()
                .filter(|other| !other.is_smtpkit())
                .map(|other| {
                    let ratio = ours.megabytes_per_second() / other.megabytes_per_second();
                    format!("{}x {}", ratio_text(ratio), other.implementation)
                })
                .collect();
            if !ratios.is_empty() {
                let _ = writeln!(out, "  {} vs {}", ours.implementation, ratios.join(", "));
            }
        }
    }
    out
}

/// A ratio with two decimals, or with two significant digits where it is
/// below one, so that a parser at a hundredth of a copy's speed does not
/// read as zero.
fn ratio_text(ratio: f64) -> String {
    let decimals = if ratio > 0.0 && ratio < 1.0 {
        (-ratio.log10()).ceil().clamp(0.0, 12.0) as usize + 1
    } else {
        2
    };
    format!("{ratio:.decimals$}")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Writes one criterion result under `dir`, as criterion lays it out.
    fn write_result(dir: &Path, id: [&str; 3], throughput: &str, slope: &str, mean: f64) {
        let [group, function, input] = id;
        let folder = dir.join(group).join(function).join(input).join("new");
        std::fs::create_dir_all(&folder).expect("the temporary folder is writable");
        let benchmark = format!(
            r#"{{"group_id":"{group}","function_id":"{function}","value_str":"{input}",
            "throughput":{throughput},"full_id":"{group}/{function}/{input}"}}"#
        );
        let estimates = format!(
            r#"{{"mean":{{"point_estimate":{mean},"standard_error":1.0}},"slope":{slope}}}"#
        );
        std::fs::write(folder.join("benchmark.json"), benchmark).expect("writable");
        std::fs::write(folder.join("estimates.json"), estimates).expect("writable");
    }

    /// A fresh folder under the system's temporary folder.
    fn scratch(name: &str) -> PathBuf {
        let dir = std::env::temp_dir().join(format!("xtask-bench-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        dir
    }

    #[test]
    fn table_lists_each_implementation_and_smtpkits_ratios() {
        let dir = scratch("table");
        // 1,000 octets in 1,000 ns is 1,000 MB/s.
        let bytes = r#"{"Bytes":1000}"#;
        write_result(
            &dir,
            ["data", "smtpkit", "decode"],
            bytes,
            r#"{"point_estimate":1000.0}"#,
            9.0,
        );
        write_result(&dir, ["data", "copy", "decode"], bytes, "null", 250.0);
        write_result(&dir, ["data", "smtp-proto", "decode"], bytes, "null", 2000.0);
        write_result(&dir, ["headers", "smtpkit-typed", "fields"], bytes, "null", 4000.0);
        write_result(&dir, ["headers", "mailparse", "fields"], bytes, "null", 2000.0);
        write_result(&dir, ["headers", "smtpkit", "per_field"], r#"{"Elements":50}"#, "null", 1.0);

        let measurements = read_results(&dir, None).expect("the fixture reads");
        std::fs::remove_dir_all(&dir).expect("the fixture is removed");
        assert_eq!(measurements.len(), 5, "results counted in elements are left out");

        let expected = "\
data / decode
  smtpkit           1000.0 MB/s
  copy              4000.0 MB/s
  smtp-proto         500.0 MB/s
  smtpkit vs 0.25x copy, 2.00x smtp-proto
headers / fields
  smtpkit-typed      250.0 MB/s
  mailparse          500.0 MB/s
  smtpkit-typed vs 0.50x mailparse
";
        assert_eq!(table(&measurements), expected);
    }

    #[test]
    fn ratios_below_one_keep_two_significant_digits() {
        assert_eq!(ratio_text(12.345), "12.35");
        assert_eq!(ratio_text(0.25), "0.25");
        assert_eq!(ratio_text(0.0037), "0.0037");
        assert_eq!(ratio_text(0.01), "0.010");
    }

    #[test]
    fn results_written_before_the_run_are_left_out() {
        let dir = scratch("stale");
        write_result(&dir, ["data", "smtpkit", "decode"], r#"{"Bytes":1}"#, "null", 1.0);
        let later = SystemTime::now() + std::time::Duration::from_secs(3600);

        let measurements = read_results(&dir, Some(later)).expect("the fixture reads");
        std::fs::remove_dir_all(&dir).expect("the fixture is removed");
        assert!(measurements.is_empty());
    }
}
