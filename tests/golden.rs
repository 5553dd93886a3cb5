//! Golden tests: every fixture under `tests/fixtures` that has a `.golden.json` beside it
//! must give exactly the records, skips and findings written there, whether it is fed
//! whole, a byte at a time, seven bytes at a time, or in random chunks.
//!
//! A golden file holds:
//!
//! - `records`: the normalized records, in order (checked by hand against the raw lines);
//! - `skipped`: lines skipped per reason; `formats`: records per format;
//! - optionally `options` (as the JS package takes them) and `findings` per profile
//!   (`escu`, `default`) for made positive cases.
//!
//! Records are collected with the records view on, which parses every line; findings
//! are computed with it off, so the prefilter is on, and must equal the findings of the
//! records run.
//!
//! Syslog dates without a year are read as 2024 unless `options.year` says otherwise.
//! The random chunk sizes come from `SMB_EGRESS_SEED` when set (the seed of a failing
//! run is printed), else from the clock. `SMB_EGRESS_BLESS=1` rewrites the golden files
//! from the current output: read every record against its raw line before committing.

use std::path::{Path, PathBuf};

use serde_json::{Map, Value, json};
use smb_egress::{Analyzer, Config, Options, render};

const FIXED_YEAR: i32 = 2024;

fn fixtures() -> Vec<(PathBuf, PathBuf)> {
    let mut found = Vec::new();
    let mut dirs = vec![Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).unwrap().flatten() {
            let path = entry.path();
            if path.is_dir() {
                dirs.push(path);
                continue;
            }
            let golden = PathBuf::from(format!("{}.golden.json", path.display()));
            if golden.exists() {
                found.push((path, golden));
            }
        }
    }
    found.sort();
    found
}

fn config(options: &Value, profile: Option<&str>) -> Config {
    let mut options = options.clone();
    if let (Some(map), Some(profile)) = (options.as_object_mut(), profile) {
        map.insert("profile".into(), json!(profile));
    }
    let mut config = Config::new(&Options::from_value(&options).unwrap()).unwrap();
    config.current_year = FIXED_YEAR;
    config
}

/// Runs the analyzer over `input` cut into chunks by `sizes`, giving records and report.
fn run(config: Config, input: &[u8], sizes: &mut dyn FnMut() -> usize) -> (Vec<Value>, Value) {
    let mut analyzer = Analyzer::new(config);
    analyzer.collect_records(true);
    let mut rest = input;
    let mut records = String::new();
    while !rest.is_empty() {
        let n = sizes().clamp(1, rest.len());
        analyzer.push(&rest[..n]);
        records.push_str(&analyzer.take_records());
        rest = &rest[n..];
    }
    analyzer.end_input();
    records.push_str(&analyzer.take_records());
    let report = render::report_json(&analyzer.finish());
    let records = records
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    (records, report)
}

fn seed() -> u64 {
    match std::env::var("SMB_EGRESS_SEED") {
        Ok(text) => text.parse().expect("SMB_EGRESS_SEED is a number"),
        Err(_) => std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(1, |d| d.as_nanos() as u64 | 1),
    }
}

fn random_sizes(mut state: u64) -> impl FnMut() -> usize {
    move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        (state % 4096) as usize + 1
    }
}

fn findings(config: Config, input: &[u8]) -> Value {
    let report = Analyzer::analyze(config, input);
    let rows = report
        .findings
        .iter()
        .map(|f| render::finding_json(&report, f))
        .collect();
    Value::Array(rows)
}

fn expected_counts(report: &Value, key: &str) -> Value {
    report["stats"][key].clone()
}

#[test]
fn every_fixture_gives_its_golden_records_in_any_chunking() {
    let seed = seed();
    let bless = std::env::var("SMB_EGRESS_BLESS").is_ok_and(|v| v == "1");
    let all = fixtures();
    assert!(!all.is_empty(), "no golden fixtures found");
    let mut failures = Vec::new();
    for (input_path, golden_path) in &all {
        let input = std::fs::read(input_path).unwrap();
        let golden: Value = serde_json::from_str(&std::fs::read_to_string(golden_path).unwrap())
            .unwrap_or_else(|e| panic!("{}: {e}", golden_path.display()));
        let options = golden.get("options").cloned().unwrap_or(json!({}));
        let name = input_path
            .strip_prefix(env!("CARGO_MANIFEST_DIR"))
            .unwrap()
            .display();

        let (records, report) = run(config(&options, None), &input, &mut || usize::MAX);
        let mut actual = Map::new();
        for key in ["note", "options"] {
            if let Some(v) = golden.get(key) {
                actual.insert(key.into(), v.clone());
            }
        }
        actual.insert("formats".into(), expected_counts(&report, "formats"));
        actual.insert("skipped".into(), expected_counts(&report, "skipped"));
        actual.insert("records".into(), Value::Array(records.clone()));
        if golden.get("findings").is_some() {
            let escu = findings(config(&options, Some("escu")), &input);
            let default = findings(config(&options, Some("default")), &input);
            actual.insert(
                "findings".into(),
                json!({ "escu": escu, "default": default }),
            );
        }
        let actual = Value::Object(actual);
        if bless {
            let text = serde_json::to_string_pretty(&actual).unwrap() + "\n";
            std::fs::write(golden_path, text).unwrap();
        } else if actual != golden {
            failures.push(format!(
                "{name}: output differs from {}",
                golden_path.display()
            ));
            continue;
        }

        let prefiltered = findings(config(&options, None), &input);
        if prefiltered != report["findings"] {
            failures.push(format!("{name}: the prefilter changes the findings"));
        }

        let one_byte = run(config(&options, None), &input, &mut || 1);
        let seven = run(config(&options, None), &input, &mut || 7);
        let random = run(config(&options, None), &input, &mut random_sizes(seed));
        for (label, other) in [("1-byte", one_byte), ("7-byte", seven), ("random", random)] {
            if other != (records.clone(), report.clone()) {
                failures.push(format!(
                    "{name}: {label} chunks differ (SMB_EGRESS_SEED={seed})"
                ));
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} fixture(s) failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}
