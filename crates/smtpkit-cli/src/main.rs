//! The `smtpkit` command line.
//!
//! `smtpkit parse` reads a message from a file or standard input and prints
//! its header fields structured (or as JSON with `--json`); with
//! `--commands` or `--replies` it reads SMTP commands or replies instead,
//! prints each in canonical form, and shows every error with its position
//! and, for commands, the reply a server would send for it.
//!
//! `smtpkit serve` runs the mock mail server, in memory, and shows every
//! conversation and stored message. `smtpkit send` builds a message (or
//! takes a raw one), sends it with the client, and prints the conversation
//! with arrows, as swaks does.
//! `smtpkit load` sends many generated messages over many sessions at once
//! and reports the rate, the latency and the errors.
//! `smtpkit talk` is the telnet session done right, and `smtpkit demo`
//! the whole lesson in one command.
#![forbid(unsafe_code)]

mod demo;
mod load;
mod message;
mod parse;
mod send;
mod serve;
mod talk;
mod tls;

use std::io;
use std::process::ExitCode;

use clap::{Parser, Subcommand};

/// Tools for speaking SMTP.
#[derive(Debug, Parser)]
#[command(name = "smtpkit", version, about)]
struct Cli {
    #[command(subcommand)]
    command: Task,
}

#[derive(Debug, Subcommand)]
enum Task {
    /// Show a message's header fields structured, or parse SMTP commands or
    /// replies and print them in canonical form.
    Parse(parse::Args),
    /// The classic lesson in one command: send to an in-process mock server
    /// and look in the mailbox.
    Demo(demo::Args),
    /// Run the mock mail server, in memory, showing every conversation.
    Serve(serve::Args),
    /// Send a message to a server and show the conversation.
    Send(send::Args),
    /// Talk SMTP to a server by hand: commands checked, replies explained.
    Talk(talk::Args),
    /// Send many generated messages over many sessions at once and report
    /// the rate, the latency and the errors.
    Load(load::Args),
}

fn main() -> ExitCode {
    let cli = match Cli::try_parse() {
        Ok(cli) => cli,
        // Bad arguments exit 1, as every other mistake of the caller does:
        // clap's own 2 is `smtpkit send`'s "could not connect".
        Err(error) if error.use_stderr() => {
            let _ = error.print();
            return ExitCode::FAILURE;
        }
        // --help and --version.
        Err(error) => {
            let _ = error.print();
            return ExitCode::SUCCESS;
        }
    };
    let result = match cli.command {
        Task::Parse(args) => parse::run(&args),
        Task::Demo(args) => demo::run(&args),
        Task::Serve(args) => serve::run(&args),
        Task::Send(args) => send::run(&args),
        Task::Talk(args) => talk::run(&args),
        Task::Load(args) => load::run(&args),
    };
    match result {
        Ok(code) => code,
        Err(error) if is_broken_pipe(&error) => ExitCode::SUCCESS,
        Err(error) => {
            eprintln!("smtpkit: error: {error:#}");
            ExitCode::FAILURE
        }
    }
}

/// True when the error is a closed standard output, as with `| head`: the
/// reader has what it wanted, so that is no failure.
fn is_broken_pipe(error: &anyhow::Error) -> bool {
    error
        .chain()
        .filter_map(|cause| cause.downcast_ref::<io::Error>())
        .any(|e| e.kind() == io::ErrorKind::BrokenPipe)
}
