//! `smtpkit parse`: commands or replies from a file or standard input.

use std::io::{self, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use smtpkit_codec::{line::skip_line, parse_command, CommandOptions, ParseError, Status};

/// Arguments of `smtpkit parse`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to read; standard input when absent or `-`.
    file: Option<PathBuf>,
    /// Accept the deviations real clients make (a space after `FROM:`,
    /// paths without brackets, trailing spaces, bare LF line endings).
    #[arg(long)]
    lenient: bool,
    /// Print each parsed value's structure too.
    #[arg(long)]
    debug: bool,
}

/// Parses every command of the input, printing each; exits 1 when any
/// line failed to parse.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let input = read_input(args.file.as_ref())?;
    let options = if args.lenient { CommandOptions::lenient() } else { CommandOptions::default() };
    let mut out = io::stdout().lock();
    let mut errors = 0usize;
    let mut offset = 0;

    while offset < input.len() {
        let rest = &input[offset..];
        match parse_command(rest, &options) {
            Ok(Status::Complete { value, consumed }) => {
                out.write_all(&value.to_bytes())?;
                if args.debug {
                    writeln!(out, "  {value:?}")?;
                }
                offset += consumed;
            }
            Ok(Status::Incomplete) => {
                writeln!(out, "incomplete: {} bytes at the end without CRLF", rest.len())?;
                errors += 1;
                break;
            }
            Err(error) => {
                report(&mut out, &input, &error.shifted_by(offset))?;
                errors += 1;
                // Recover as a server would: drop the rest of the bad line.
                offset += skip_line(rest).unwrap_or(rest.len());
            }
        }
    }
    out.flush()?;
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Prints an error with its line, a caret, and the server's reply.
fn report(out: &mut impl io::Write, input: &[u8], error: &ParseError) -> io::Result<()> {
    let (code, enhanced) = error.server_reply();
    writeln!(out, "error at {}", error.render(input))?;
    writeln!(out, "  a server answers: {code} {enhanced}")
}

/// Reads the whole input.
fn read_input(file: Option<&PathBuf>) -> anyhow::Result<Vec<u8>> {
    let mut input = Vec::new();
    match file {
        Some(path) if path.as_os_str() != "-" => {
            input = std::fs::read(path).with_context(|| format!("reading {}", path.display()))?;
        }
        _ => {
            io::stdin().lock().read_to_end(&mut input).context("reading standard input")?;
        }
    }
    Ok(input)
}
