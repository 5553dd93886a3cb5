//! Long hostile lines are read in time linear in their length.
//!
//! A parser that searches the rest of a line again for each occurrence of a token (an
//! entity without its `;`, a tag without its `>`, a key without its `=`) takes time that
//! grows with the square of the line: a megabyte of one repeated token then stops a run
//! for minutes. Two tests guard against it:
//!
//! - `known_hostile_lines_are_read_quickly` reads the lines that were once quadratic,
//!   at the line cap (1 MiB), within a time limit;
//! - `planted_token_runs_scale_linearly` takes data lines of each made fixture (one of
//!   each shape: JSON, XML, text), plants a run of each structural token at several
//!   places (the middle, the end, after each kind of separator, inside JSON string
//!   values), and reads each line with a short and an eight times longer run, as its own
//!   format with every line parsed. A time that grows far more than eight times is
//!   quadratic. Debug builds read a sample of the planted lines; the full sweep is
//!   `SMB_EGRESS_LINEAR_KIB=16 cargo test --release --test linear_time`
//!   (`SMB_EGRESS_LINEAR_KIB` sets the short run, 1 KiB by default).

use std::path::Path;
use std::time::{Duration, Instant};

use smb_egress::{Analyzer, Config, Options};

/// Tokens that parsers look for: separators, quotes, markup, escapes, headers.
const TOKENS: &[&str] = &[
    " ",
    ",",
    ";",
    ":",
    "|",
    "=",
    "\"",
    "'",
    "\\",
    "\\\"",
    "\t",
    "&",
    "&#",
    "&amp",
    "<",
    ">",
    "<Data",
    "<Data ",
    "<Data Name=",
    "Name=",
    "Name='",
    "</Data>",
    "<Event",
    "<EventID>",
    "{",
    "}",
    "[",
    "]",
    "{\"a\":",
    "\"a\":\"",
    "\"\":",
    "[1,",
    "a=",
    "a=\"",
    "a=\"\"",
    "a:\"",
    "[a:\"b\";",
    "%",
    "%ASA-",
    "%FTD-",
    "SRC=",
    " DST=",
    "IN=",
    "-",
    "--",
    ".",
    "::",
    "1.",
    "10.0.0.1 ",
    "\\x",
    "/",
    "//",
    "(",
    ")",
    "#",
    "T",
    "+",
    "Z",
    "0",
    "\u{e9}",
];

/// Characters after which a run is planted, besides the middle and the end.
const AFTER: &[char] = &['"', '=', '>', ':', ',', ' ', '|', ';', '[', '{', '\t', '<'];

fn made_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/made")
}

/// A fixture's format, header lines, and its first data line of each shape.
fn samples(name: &str) -> (String, String, Vec<String>) {
    let text = std::fs::read_to_string(made_dir().join(name)).unwrap();
    let format = name.split('.').next().unwrap().to_owned();
    let mut header = String::new();
    let mut lines: Vec<String> = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let csv_header = n == 0 && line.contains("src_ip") && !line.starts_with('{');
        if line.starts_with('#') || csv_header {
            header.push_str(line);
            header.push('\n');
            continue;
        }
        let shape = |l: &str| l.trim_start().chars().next().filter(|c| "{[<".contains(*c));
        if !line.trim().is_empty() && lines.iter().all(|l| shape(l) != shape(line)) {
            lines.push(line.to_owned());
        }
    }
    (format, header, lines)
}

/// Where runs are planted in a line: the middle, the end, after the first of each
/// separator, and inside up to six JSON string values.
fn positions(line: &str) -> Vec<usize> {
    let mut at = vec![line.len() / 2, line.len()];
    at.extend(
        AFTER
            .iter()
            .filter_map(|c| line.find(*c).map(|i| i + c.len_utf8())),
    );
    let values: Vec<usize> = line.match_indices("\":\"").map(|(i, _)| i + 3).collect();
    let step = values.len().div_ceil(6).max(1);
    at.extend(values.iter().step_by(step));
    at.iter_mut().for_each(|i| {
        while !line.is_char_boundary(*i) {
            *i -= 1;
        }
    });
    at.sort_unstable();
    at.dedup();
    at
}

/// Reads `input` as `format`, every line parsed, and gives the time it took.
fn read_time(format: &str, input: &[u8]) -> Duration {
    let options = Options {
        format: Some(format.to_owned()),
        ..Options::default()
    };
    let mut analyzer = Analyzer::new(Config::new(&options).unwrap());
    analyzer.collect_records(true);
    let start = Instant::now();
    analyzer.push(input);
    analyzer.take_records();
    analyzer.finish();
    start.elapsed()
}

fn planted(header: &str, line: &str, at: usize, token: &str, bytes: usize) -> String {
    let run = token.repeat(bytes / token.len());
    format!("{header}{}{run}{}\n", &line[..at], &line[at..])
}

fn short_run_bytes() -> usize {
    let kib: usize = std::env::var("SMB_EGRESS_LINEAR_KIB")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(1);
    kib << 10
}

/// Every how many planted lines one is read: all in release builds, a sample in debug
/// builds (`SMB_EGRESS_LINEAR_STRIDE` overrides).
fn stride() -> usize {
    let default = if cfg!(debug_assertions) { 23 } else { 1 };
    std::env::var("SMB_EGRESS_LINEAR_STRIDE")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Whether the time to read a planted line grows far faster than its run: the best of
/// three readings at the short run and at eight times it, so that a pause of the machine
/// does not count.
fn superlinear(time: impl Fn(usize) -> Duration, short: usize) -> Option<(Duration, Duration)> {
    let best = |bytes| (0..3).map(|_| time(bytes)).min().unwrap();
    let quick = |small: Duration, large: Duration| {
        large < Duration::from_millis(20) || large < small.max(Duration::from_micros(200)) * 24
    };
    if quick(time(short), time(8 * short)) {
        return None;
    }
    let (small, large) = (best(short), best(8 * short));
    (!quick(small, large)).then_some((small, large))
}

#[test]
fn planted_token_runs_scale_linearly() {
    let short = short_run_bytes();
    let stride = stride();
    let mut names: Vec<String> = std::fs::read_dir(made_dir())
        .unwrap()
        .flatten()
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| !n.ends_with(".golden.json") && !n.ends_with(".md"))
        .collect();
    names.sort();
    let mut slow = Vec::new();
    let mut variant = 0;
    for name in &names {
        let (format, header, lines) = samples(name);
        for line in &lines {
            for at in positions(line) {
                for token in TOKENS {
                    variant += 1;
                    if variant % stride != 0 {
                        continue;
                    }
                    let time = |bytes| {
                        let input = planted(&header, line, at, token, bytes);
                        read_time(&format, input.as_bytes())
                    };
                    if let Some((small, large)) = superlinear(time, short) {
                        slow.push(format!(
                            "{name} at {at}, {token:?}: {small:?} then {large:?}"
                        ));
                    }
                }
            }
        }
    }
    assert!(slow.is_empty(), "superlinear:\n{}", slow.join("\n"));
}

/// Lines at the cap that were once read in quadratic time.
#[test]
fn known_hostile_lines_are_read_quickly() {
    let fill = |token: &str| token.repeat(((1 << 20) - 200) / token.len());
    let event = |data: &str| {
        format!(
            "<Event><System><EventID>3</EventID><Channel>Microsoft-Windows-Sysmon/Operational\
             </Channel></System><EventData>{data}</EventData></Event>\n"
        )
    };
    let cases = [
        ("sysmon", event(&fill("<Data"))),
        ("sysmon", event(&fill("<Data Name="))),
        (
            "sysmon",
            event(&format!("<Data Name='x'>{}</Data>", fill("&"))),
        ),
        (
            "sysmon",
            event(&format!("<Data Name='x'>{}</Data>", fill("&#"))),
        ),
        ("windows-security", event(&fill("<Data "))),
        (
            "cisco-estreamer",
            format!(
                "rec_type={}71 src_ip=10.0.0.1 dest_ip=10.0.0.2\n",
                fill(",")
            ),
        ),
    ];
    for (format, line) in cases {
        let took = read_time(format, line.as_bytes());
        assert!(took < Duration::from_secs(2), "{format}: {took:?}");
    }
}
