//! The native contender of the benchmark: reads one file in 1 MiB chunks into an
//! [`Analyzer`] on one thread and prints the report as JSON, written finding by finding
//! from the analyzer's state. Its time in process, from before the file is opened to
//! after the report is written, goes to standard error as `seconds: S`.
//!
//! ```text
//! cargo run --release --example bench_native -- --profile escu benches/data/zeek-tsv-100MiB.log
//! ```

use std::io::{Read, Write};
use std::process::ExitCode;

use smb_egress::render::{self, Output};
use smb_egress::{Analyzer, Config, Options};

const CHUNK: usize = 1 << 20;

fn main() -> ExitCode {
    let mut profile = None;
    let mut path = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--profile" => profile = args.next(),
            _ => path = Some(arg),
        }
    }
    let Some(path) = path else {
        eprintln!("usage: bench_native [--profile escu|default] FILE");
        return ExitCode::from(2);
    };
    let started = std::time::Instant::now();
    match run(profile, &path) {
        Ok(()) => {
            eprintln!("seconds: {:.6}", started.elapsed().as_secs_f64());
            ExitCode::SUCCESS
        }
        Err(message) => {
            eprintln!("bench_native: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(profile: Option<String>, path: &str) -> Result<(), String> {
    let options = Options {
        profile,
        ..Options::default()
    };
    let config = Config::new(&options).map_err(|e| e.to_string())?;
    let mut file = std::fs::File::open(path).map_err(|e| format!("{path}: {e}"))?;
    let mut analyzer = Analyzer::new(config);
    analyzer.begin_input(path);
    let mut chunk = vec![0; CHUNK];
    loop {
        let n = file.read(&mut chunk).map_err(|e| format!("{path}: {e}"))?;
        if n == 0 {
            break;
        }
        analyzer.push(&chunk[..n]);
    }
    analyzer.end_input();
    let mut out = std::io::BufWriter::new(std::io::stdout().lock());
    render::write(&analyzer.view(), Output::Json, &mut out).map_err(|e| format!("stdout: {e}"))?;
    out.flush().map_err(|e| format!("stdout: {e}"))
}
