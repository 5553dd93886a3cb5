//! Format detection (SPEC §5): each format from its first lines, a file that mixes
//! formats line by line, and a forced format that does not fit.

use std::path::Path;

use serde_json::json;
use smb_egress::{Analyzer, Config, Format, Options};

fn fixture(path: &str) -> Vec<u8> {
    let full = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(path);
    std::fs::read(&full).unwrap_or_else(|e| panic!("{}: {e}", full.display()))
}

/// Records per format id of an input, every line parsed (records view on).
fn formats(input: &[u8], options: serde_json::Value) -> Vec<(String, u64)> {
    let mut config = Config::new(&Options::from_value(&options).unwrap()).unwrap();
    config.current_year = 2024;
    let mut analyzer = Analyzer::new(config);
    analyzer.collect_records(true);
    analyzer.push(input);
    analyzer.end_input();
    let report = analyzer.finish();
    report.stats.formats.into_iter().collect()
}

/// The first `n` lines of a file.
fn head(input: &[u8], n: usize) -> Vec<u8> {
    let mut lines: Vec<&[u8]> = input.split(|b| *b == b'\n').take(n).collect();
    lines.push(b"");
    lines.join(&b'\n')
}

/// A made fixture of each format, and how many of its first lines to read: enough to
/// reach the first record (header lines included).
const FIRST_LINES: [(Format, &str, usize); 20] = [
    (Format::ZeekConn, "made/zeek-conn.log", 10),
    (Format::ZeekSmb, "made/zeek-smb.log", 10),
    (Format::SuricataEve, "made/suricata-eve.log", 1),
    (Format::Sysmon, "made/sysmon.log", 1),
    (Format::WindowsSecurity, "made/windows-security.log", 1),
    (Format::Cim, "made/cim.log", 1),
    (Format::Ecs, "made/ecs.log", 1),
    (Format::Ocsf, "made/ocsf.log", 1),
    (Format::AwsVpcFlow, "made/aws-vpc-flow.log", 2),
    (Format::AzureNsgFlow, "made/azure-nsg-flow.log", 1),
    (Format::GcpVpcFlow, "made/gcp-vpc-flow.log", 1),
    (Format::CiscoAsa, "made/cisco-asa.log", 1),
    (Format::CiscoFtd, "made/cisco-ftd.log", 1),
    (Format::CiscoEstreamer, "made/cisco-estreamer.log", 1),
    (Format::PanosTraffic, "made/panos-traffic.log", 1),
    (Format::Fortigate, "made/fortigate.log", 1),
    (Format::Checkpoint, "made/checkpoint.log", 1),
    (Format::Iptables, "made/iptables.log", 1),
    (Format::Pfsense, "made/pfsense.log", 1),
    (Format::WindowsFirewall, "made/windows-firewall.log", 6),
];

#[test]
fn each_format_is_detected_from_its_first_lines() {
    for (format, path, lines) in FIRST_LINES {
        let found = formats(&head(&fixture(path), lines), json!({}));
        assert!(
            !found.is_empty(),
            "{path}: no record in its first {lines} lines"
        );
        let ids: Vec<&str> = found.iter().map(|(id, _)| id.as_str()).collect();
        assert_eq!(ids, [format.id()], "{path}");
    }
}

#[test]
fn every_format_has_a_detection_case() {
    for format in Format::ALL {
        assert!(
            FIRST_LINES.iter().any(|(f, _, _)| *f == format),
            "{}",
            format.id()
        );
    }
}

#[test]
fn a_file_mixing_five_formats_line_by_line_is_read_whole() {
    let sources = [
        "corpus/suricata_eve/elastic_integrations_test-eve-small.log",
        "corpus/zeek_conn_json/elastic_integrations_test-conn.log",
        "corpus/cisco_asa_syslog/elastic_integrations_cisco_asa_test-sample_subset.log",
        "corpus/sysmon_eid3_xml/evtx_attack_samples_smbmap_upload_exec_sysmon_eid3.xml",
        "corpus/fortigate_kv/elastic_integrations_test-fortinet-7-4_traffic_subset.log",
        "corpus/checkpoint_syslog/elastic_integrations_test-checkpoint_subset.log",
    ];
    let files: Vec<Vec<u8>> = sources.iter().map(|p| fixture(p)).collect();
    let mut expected: Vec<(String, u64)> = Vec::new();
    for file in &files {
        for (id, n) in formats(file, json!({})) {
            match expected.iter_mut().find(|(e, _)| *e == id) {
                Some((_, total)) => *total += n,
                None => expected.push((id, n)),
            }
        }
    }
    expected.sort();
    assert!(expected.len() >= 5, "{expected:?}");

    let mut lines: Vec<Vec<&[u8]>> = files
        .iter()
        .map(|f| f.split(|b| *b == b'\n').filter(|l| !l.is_empty()).collect())
        .collect();
    let mut mixed = Vec::new();
    while lines.iter().any(|l| !l.is_empty()) {
        for file in &mut lines {
            if !file.is_empty() {
                mixed.extend_from_slice(file.remove(0));
                mixed.push(b'\n');
            }
        }
    }
    assert_eq!(formats(&mixed, json!({})), expected);
}

#[test]
fn a_forced_format_that_does_not_fit_skips_lines_with_that_reason() {
    let input = fixture("made/cisco-asa.log");
    let mut config =
        Config::new(&Options::from_value(&json!({"format": "zeek-conn"})).unwrap()).unwrap();
    config.current_year = 2024;
    let mut analyzer = Analyzer::new(config);
    analyzer.collect_records(true);
    analyzer.push(&input);
    let report = analyzer.finish();
    let lines = input
        .split(|b| *b == b'\n')
        .filter(|l| !l.is_empty())
        .count() as u64;
    assert_eq!(report.stats.records, 0);
    assert_eq!(report.stats.skipped.get("format_mismatch"), Some(&lines));
    assert_eq!(report.stats.samples[0].detail, "line is not zeek-conn");

    let forced = formats(&input, json!({"format": "cisco-asa"}));
    assert_eq!(forced, formats(&input, json!({})));
}
