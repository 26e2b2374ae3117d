//! `smtpkit parse`: a message, or SMTP commands or replies, from a file or
//! standard input.

use std::io::{self, Read as _, Write as _};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context as _;
use serde_json::json;
use smtpkit_codec::{
    line::skip_line, parse_command, parse_reply, CommandOptions, HeaderOptions, ParseError,
    ReplyOptions, Status,
};

use crate::message;

/// Arguments of `smtpkit parse`.
#[derive(Debug, clap::Args)]
pub struct Args {
    /// The file to read; standard input when absent or `-`.
    file: Option<PathBuf>,
    /// Read SMTP commands, as a server does, instead of a message.
    #[arg(long, conflicts_with = "replies")]
    commands: bool,
    /// Read SMTP replies, as a client does, instead of a message.
    #[arg(long)]
    replies: bool,
    /// Print the message's fields as one JSON object.
    #[arg(long, conflicts_with_all = ["commands", "replies"])]
    json: bool,
    /// Accept the deviations real peers make: for commands a space after
    /// `FROM:`, paths without brackets, trailing spaces and bare LF; for
    /// replies and messages bare LF line endings. Messages are read this
    /// way unless `--strict` is given.
    #[arg(long)]
    lenient: bool,
    /// Read a message strictly: CRLF line endings and 998-octet lines.
    #[arg(long, conflicts_with = "lenient")]
    strict: bool,
    /// Print each parsed command's or reply's structure too.
    #[arg(long)]
    debug: bool,
}

/// Parses the input and prints what it holds; exits 1 when anything in it
/// failed to parse.
pub fn run(args: &Args) -> anyhow::Result<ExitCode> {
    let input = read_input(args.file.as_ref())?;
    if args.commands {
        commands(args, &input)
    } else if args.replies {
        replies(args, &input)
    } else {
        message(args, &input)
    }
}

/// Prints every header field of a message, structured, and every line of
/// its header section that is no field, with where it is and why.
fn message(args: &Args, input: &[u8]) -> anyhow::Result<ExitCode> {
    let options = if args.strict { HeaderOptions::default() } else { HeaderOptions::lenient() };
    let mut out = io::stdout().lock();
    let reading = message::read(input, &options);
    let mut failed = reading.body.is_none();

    // Each entry is printed as text and kept as JSON; only one is written.
    let mut fields = Vec::new();
    let mut errors = Vec::new();
    let mut text = String::new();
    for entry in &reading.entries {
        match entry {
            message::Entry::Field(field) => {
                let view = message::view(field);
                failed |= view.error.is_some();
                text.push_str(&match &view.error {
                    None => format!("{}: {}\n", view.name, view.text),
                    Some(error) => {
                        format!("{}: error: {}\n", view.name, error.replace('\n', "\n    "))
                    }
                });
                fields.push(json!({
                    "name": view.name, "value": view.json, "text": view.text, "error": view.error,
                }));
            }
            message::Entry::Broken { error, resumed_at } => {
                failed = true;
                let (line_text, json) = broken_line(input, error, *resumed_at, fields.len());
                text.push_str(&line_text);
                errors.push(json);
            }
        }
    }

    if args.json {
        let body = reading.body.map(|body| json!({ "octets": body.len() }));
        let document = json!({ "fields": fields, "errors": errors, "body": body });
        serde_json::to_writer_pretty(&mut out, &document)?;
        writeln!(out)?;
    } else {
        out.write_all(text.as_bytes())?;
        match reading.body {
            Some(body) => writeln!(out, "(body: {} octets)", body.len())?,
            None => writeln!(out, "(body: not reached)")?,
        }
    }
    out.flush()?;
    Ok(if failed { ExitCode::FAILURE } else { ExitCode::SUCCESS })
}

/// A line of a header section that is no field, or a limit reached, as
/// text (offset, line and column, reason, the line with a caret, and what
/// reading did next) and as JSON.
fn broken_line(
    input: &[u8],
    error: &ParseError,
    resumed_at: Option<usize>,
    fields_before: usize,
) -> (String, serde_json::Value) {
    let offset = error.offset().min(input.len());
    let line_start = input[..offset].iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let line = 1 + input[..line_start].iter().filter(|&&b| b == b'\n').count();
    let column = 1 + offset - line_start;

    // The rendering starts with the same `line:column: `; the reason, the
    // line and the caret follow it.
    let rendered = error.render(input);
    let view = rendered.splitn(3, ':').nth(2).map_or(rendered.as_str(), str::trim_start);
    let next = match resumed_at {
        Some(at) if at == input.len() => "the input ends after this line".to_owned(),
        Some(at) => format!("reading goes on at offset {at}"),
        None => format!("reading stopped at offset {}", error.offset()),
    };
    let text = format!("error at offset {} ({line}:{column}): {view}\n  {next}\n", error.offset());

    let json = json!({
        "offset": error.offset(),
        "line": line,
        "column": column,
        "reason": error.kind().to_string(),
        "after_fields": fields_before,
        "resumed_at": resumed_at,
    });
    (text, json)
}

/// Prints every reply of the input in canonical form.
fn replies(args: &Args, input: &[u8]) -> anyhow::Result<ExitCode> {
    let options = ReplyOptions { allow_bare_lf: args.lenient, ..ReplyOptions::default() };
    let parse = |rest: &[u8]| {
        parse_reply(rest, &options).map(|status| status.map(|r| (r.to_bytes(), format!("{r:?}"))))
    };
    each_value(args, input, parse, false)
}

/// Prints every command of the input in canonical form.
fn commands(args: &Args, input: &[u8]) -> anyhow::Result<ExitCode> {
    let options = if args.lenient { CommandOptions::lenient() } else { CommandOptions::default() };
    let parse = |rest: &[u8]| {
        parse_command(rest, &options).map(|status| status.map(|c| (c.to_bytes(), format!("{c:?}"))))
    };
    each_value(args, input, parse, true)
}

/// Reads values one after another with `parse`, which gives each one's
/// canonical bytes and structure; prints them, and every error with its
/// position. After an error the rest of the line is skipped, as a server
/// or client reading the stream would.
fn each_value(
    args: &Args,
    input: &[u8],
    parse: impl Fn(&[u8]) -> Result<Status<(Vec<u8>, String)>, ParseError>,
    server_reads: bool,
) -> anyhow::Result<ExitCode> {
    let mut out = io::stdout().lock();
    let mut errors = 0usize;
    let mut offset = 0;
    while offset < input.len() {
        let rest = &input[offset..];
        match parse(rest) {
            Ok(Status::Complete { value: (canonical, structure), consumed }) => {
                out.write_all(&canonical)?;
                if args.debug {
                    writeln!(out, "  {structure}")?;
                }
                offset += consumed;
            }
            Ok(Status::Incomplete) => {
                writeln!(out, "incomplete: {} bytes at the end without a line end", rest.len())?;
                errors += 1;
                break;
            }
            Err(error) => {
                report(&mut out, input, &error.shifted_by(offset), server_reads)?;
                errors += 1;
                offset += skip_line(rest).unwrap_or(rest.len());
            }
        }
    }
    out.flush()?;
    Ok(if errors == 0 { ExitCode::SUCCESS } else { ExitCode::FAILURE })
}

/// Prints an error with its line and a caret, and, for what a server reads,
/// the reply it sends.
fn report(
    out: &mut impl io::Write,
    input: &[u8],
    error: &ParseError,
    server_reads: bool,
) -> io::Result<()> {
    writeln!(out, "error at {}", error.render(input))?;
    if server_reads {
        let (code, enhanced) = error.server_reply();
        writeln!(out, "  a server answers: {code} {enhanced}")?;
    }
    Ok(())
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
