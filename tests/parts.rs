//! A file split into byte ranges at line boundaries, each range analyzed on its own with
//! the file's header lines, and the snapshots merged in order, gives exactly the report
//! of one pass: findings, counts, and the line numbers of skipped-line samples.

use std::path::Path;

use serde_json::json;
use smb_egress::analyzer::header_len;
use smb_egress::{Analyzer, Config, Options, render};

fn config(profile: &str) -> Config {
    let options = Options::from_value(&json!({"profile": profile, "tz": "-04:00"})).unwrap();
    let mut config = Config::new(&options).unwrap();
    config.current_year = 2024;
    config
}

fn one_pass(config: &Config, name: &str, input: &[u8]) -> serde_json::Value {
    let mut analyzer = Analyzer::new(config.clone());
    analyzer.begin_input(name);
    analyzer.push(input);
    render::report_json(&analyzer.finish())
}

/// Cuts `input` into `parts` ranges, each ending at a line boundary.
fn ranges(input: &[u8], parts: usize) -> Vec<(usize, usize)> {
    let mut bounds = vec![0];
    for k in 1..parts {
        let guess = input.len() * k / parts;
        let next = input[guess..]
            .iter()
            .position(|b| *b == b'\n')
            .map(|p| guess + p + 1);
        if let Some(cut) = next.filter(|c| *c > *bounds.last().unwrap() && *c < input.len()) {
            bounds.push(cut);
        }
    }
    bounds.push(input.len());
    bounds.windows(2).map(|w| (w[0], w[1])).collect()
}

fn split_pass(config: &Config, name: &str, input: &[u8], parts: usize) -> serde_json::Value {
    let header = &input[..header_len(input)];
    let snapshots: Vec<Vec<u8>> = ranges(input, parts)
        .into_iter()
        .map(|(start, end)| {
            let mut part = Analyzer::new(config.clone());
            if start == 0 {
                part.begin_input(name);
            } else {
                part.begin_input_part(name, header);
            }
            part.push(&input[start..end]);
            part.snapshot()
        })
        .collect();
    let mut merged = Analyzer::new(config.clone());
    for snapshot in &snapshots {
        merged.merge_snapshot(snapshot).unwrap();
    }
    render::report_json(&merged.finish())
}

#[test]
fn byte_ranges_merged_in_order_equal_one_pass() {
    let files = [
        "corpus/zeek_conn_tsv/otrf_lsass_campaign07_conn_trimmed.log",
        "corpus/zeek_smb/brim_wrccdc2018_smb_mapping_trimmed.log",
        "corpus/zeek_conn_json/otrf_apt29_day1_NASHUA_conn_trimmed.json.log",
        "corpus/cisco_asa_syslog/wazuh_ruleset_cisco_asa_tests.log",
        "corpus/windows_security_5156_xml/evtx_attack_samples_DE_RDP_Tunnel_5156.xml",
        "made/zeek-conn.log",
        "made/windows-firewall.log",
        "made/aws-vpc-flow.log",
    ];
    for file in files {
        let path = Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/fixtures")
            .join(file);
        let input = std::fs::read(&path).unwrap();
        for profile in ["default", "escu"] {
            let config = config(profile);
            let whole = one_pass(&config, file, &input);
            for parts in [2, 3, 7] {
                assert_eq!(
                    split_pass(&config, file, &input, parts),
                    whole,
                    "{file} in {parts} parts"
                );
            }
        }
    }
}
