//! Partial states merge into exactly the report of one pass (SPEC §4), whatever the
//! split, and the order of the records does not change the report.

use proptest::prelude::*;
use serde_json::{Value, json};
use smb_egress::{Addr, Analyzer, Config, Format, Options, Record, render};

const SOURCES: [&str; 7] = [
    "10.0.0.1",
    "10.0.0.2",
    "10.0.0.10",
    "192.168.7.7",
    "fd00::9",
    "81.2.69.5",
    "-",
];
const DESTS: [&str; 7] = [
    "8.8.8.8",
    "81.2.69.160",
    "10.0.0.3",
    "2a00:1450::1",
    "198.51.100.2",
    "srv",
    "9.9.9.9",
];
const ACTIONS: [&str; 4] = ["allowed", "blocked", "teardown", "unknown"];
const APPS: [&str; 4] = ["smb", "SMB", "http", "ms-ds-smb"];

fn record() -> impl Strategy<Value = Record> {
    (
        (
            0..=SOURCES.len(),
            0..=DESTS.len(),
            prop::sample::select(vec![80u16, 139, 445]),
        ),
        (
            0..ACTIONS.len(),
            0..=APPS.len(),
            prop::option::of(0u32..100_000),
        ),
        (
            prop::option::of(0u64..10_000),
            prop::option::of(0u64..10_000),
            prop::option::of(any::<bool>()),
        ),
    )
        .prop_map(
            |((src, dest, port), (action, app, time), (out, inn, est))| {
                let mut r = Record::new(if port == 139 { "a" } else { "b" });
                r.src_ip = SOURCES.get(src).map(|s| Addr::parse(s));
                r.dest_ip = DESTS.get(dest).map(|d| Addr::parse(d));
                r.dest_port = port;
                r.transport = "tcp".into();
                r.action = ACTIONS[action].into();
                r.app = APPS.get(app).map(|a| a.to_string());
                r.time = time.map(|t| 1_700_000_000.0 + f64::from(t) / 8.0);
                r.bytes_out = out;
                r.bytes_in = inn;
                r.established = est;
                r
            },
        )
}

fn configs() -> Vec<Config> {
    let options = [
        json!({}),
        json!({"profile": "escu"}),
        json!({"maxSources": 3, "maxValues": 2, "includeBlocked": true}),
        json!({"profile": "escu", "maxSources": 2, "maxValues": 1}),
    ];
    options
        .iter()
        .map(|o| Config::new(&Options::from_value(o).unwrap()).unwrap())
        .collect()
}

fn one_pass(config: &Config, records: &[Record]) -> Value {
    let mut analyzer = Analyzer::new(config.clone());
    for r in records {
        analyzer.add_record(Format::Cim, r.clone());
    }
    render::report_json(&analyzer.finish())
}

fn sharded(config: &Config, records: &[Record], cuts: &[usize]) -> Value {
    let mut bounds: Vec<usize> = cuts.iter().map(|c| c % (records.len() + 1)).collect();
    bounds.push(0);
    bounds.push(records.len());
    bounds.sort_unstable();
    let snapshots: Vec<Vec<u8>> = bounds
        .windows(2)
        .map(|w| {
            let mut part = Analyzer::new(config.clone());
            for r in &records[w[0]..w[1]] {
                part.add_record(Format::Cim, r.clone());
            }
            part.snapshot()
        })
        .collect();
    let mut merged = Analyzer::new(config.clone());
    for snapshot in &snapshots {
        merged.merge_snapshot(snapshot).unwrap();
    }
    render::report_json(&merged.finish())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(200))]

    #[test]
    fn shards_merge_into_the_report_of_one_pass(
        records in prop::collection::vec(record(), 0..60),
        cuts in prop::collection::vec(any::<usize>(), 0..5),
    ) {
        for config in configs() {
            prop_assert_eq!(sharded(&config, &records, &cuts), one_pass(&config, &records));
        }
    }

    #[test]
    fn the_order_of_records_does_not_change_the_report(
        records in prop::collection::vec(record(), 0..60).prop_shuffle(),
        seed in any::<u64>(),
    ) {
        let mut shuffled = records.clone();
        let mut state = seed | 1;
        for i in (1..shuffled.len()).rev() {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            shuffled.swap(i, (state % (i as u64 + 1)) as usize);
        }
        for config in configs() {
            prop_assert_eq!(one_pass(&config, &shuffled), one_pass(&config, &records));
        }
    }
}

#[test]
fn a_snapshot_of_other_options_or_other_bytes_is_refused() {
    let configs = configs();
    let mut part = Analyzer::new(configs[0].clone());
    let snapshot = part.snapshot();
    let mut other = Analyzer::new(configs[1].clone());
    assert_eq!(
        other.merge_snapshot(&snapshot).unwrap_err().code,
        "bad_snapshot"
    );
    assert_eq!(
        other.merge_snapshot(b"not a snapshot").unwrap_err().code,
        "bad_snapshot"
    );
    let mut same = Analyzer::new(configs[0].clone());
    assert!(same.merge_snapshot(&snapshot).is_ok());
}
