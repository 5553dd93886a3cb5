//! The verdicts the Fluent Bit filter's test hosts check the `.wasm` module against,
//! computed by the core alone: each case record goes through an [`Analyzer`] as one
//! line (or, when that gives no connection, the text of its `log` or `message` field),
//! and [`judge`] gives each of its records a verdict.
//!
//! `tests/fluentbit/expected.json` holds the result; run with `UPDATE_EXPECTED=1` to
//! write it again after a parser changes.

use serde_json::{Value, json};
use smb_egress::{Analyzer, Config, Record, Verdict, judge};

const CASES: &str = "tests/fluentbit/cases.json";
const EXPECTED: &str = "tests/fluentbit/expected.json";

/// The records a line gives and the format that read them.
fn analyze(line: &str, config: &Config) -> (Vec<Record>, Option<String>) {
    let mut analyzer = Analyzer::new(config.clone());
    analyzer.collect_records(true);
    analyzer.push(line.as_bytes());
    analyzer.end_input();
    let records = analyzer
        .take_records()
        .lines()
        .map(|l| serde_json::from_str(l).expect("records view is JSON records"))
        .collect();
    let format = analyzer.stats().formats.keys().next().cloned();
    (records, format)
}

fn rank(verdict: Verdict) -> u8 {
    match verdict {
        Verdict::NotCandidate => 1,
        Verdict::Excluded(_) => 2,
        Verdict::Finding => 3,
    }
}

fn expected(record: &Value, config: &Config) -> Value {
    let (mut records, mut format) = analyze(&record.to_string(), config);
    let text = ["log", "message"]
        .iter()
        .find_map(|k| record.get(*k).and_then(Value::as_str));
    if let (true, Some(text)) = (records.is_empty(), text) {
        (records, format) = analyze(text, config);
    }
    let mut best: Option<(Verdict, &Record)> = None;
    for record in &records {
        let verdict = judge(record, config);
        if best.is_none_or(|(b, _)| rank(verdict) > rank(b)) {
            best = Some((verdict, record));
        }
    }
    let Some((verdict, record)) = best else {
        return json!({ "verdict": "unread" });
    };
    let (name, exclusion) = match verdict {
        Verdict::Finding => ("finding", None),
        Verdict::Excluded(why) => ("excluded", Some(why.name())),
        Verdict::NotCandidate => ("not_candidate", None),
    };
    json!({
        "verdict": name,
        "exclusion": exclusion,
        "format": format,
        "src_ip": record.src_ip.as_ref().map(ToString::to_string),
        "dest_ip": record.dest_ip.as_ref().map(ToString::to_string),
        "dest_port": record.dest_port,
    })
}

#[test]
fn expected_verdicts_match_the_core() {
    let cases: Vec<Value> = serde_json::from_str(&std::fs::read_to_string(CASES).unwrap()).unwrap();
    let config = Config::default();
    let mut out = serde_json::Map::new();
    for case in &cases {
        let name = case["name"].as_str().unwrap().to_owned();
        out.insert(name, expected(&case["record"], &config));
    }
    let text = serde_json::to_string_pretty(&Value::Object(out)).unwrap() + "\n";
    if std::env::var_os("UPDATE_EXPECTED").is_some() {
        std::fs::write(EXPECTED, &text).unwrap();
    }
    let stored = std::fs::read_to_string(EXPECTED).unwrap_or_default();
    assert_eq!(
        stored, text,
        "{EXPECTED} is stale: run `UPDATE_EXPECTED=1 cargo test --test fluentbit_expected`"
    );
}
