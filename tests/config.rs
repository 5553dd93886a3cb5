//! Options, the asset lookup and the allowlist: good input works, bad input is an error
//! that names what is wrong.

use serde_json::json;
use smb_egress::{Allowlist, AssetTable, Config, Options};

fn error(options: serde_json::Value) -> String {
    let options = Options::from_value(&options);
    let result = options.and_then(|o| Config::new(&o));
    result.expect_err("options should be refused").message
}

#[test]
fn bad_options_are_errors_that_name_the_option() {
    let cases = [
        (json!({"prots": [445]}), "option `prots`: unknown option"),
        (
            json!({"profile": "splunk"}),
            "option `profile`: expected default or escu",
        ),
        (
            json!({"format": "zeek"}),
            "option `format`: unknown format \"zeek\"",
        ),
        (
            json!({"ports": [0]}),
            "option `ports`: not a port from 1 to 65535",
        ),
        (json!({"ports": "445,http"}), "option `ports`: not a port"),
        (json!({"ports": []}), "option `ports`: the list is empty"),
        (
            json!({"internal": ["10.0.0.0/33"]}),
            "option `internal`: not a CIDR",
        ),
        (
            json!({"includeBlocked": "yes"}),
            "option `includeBlocked`: expected true or false",
        ),
        (json!({"tz": "CEST"}), "option `tz`: expected an offset"),
        (
            json!({"year": 24}),
            "option `year`: expected a whole number",
        ),
        (
            json!({"maxSources": 0}),
            "option `maxSources`: expected a whole number",
        ),
        (
            json!({"assets": "name,ip\nx,10.0.0.1\n"}),
            "asset CSV has no `category` column",
        ),
        (
            json!({"allow": "src 10.0.0.0/8\nsorce 10.0.0.0/8\n"}),
            "allowlist line 2: unknown rule `sorce`",
        ),
    ];
    for (options, expected) in cases {
        let message = error(options.clone());
        assert!(
            message.starts_with(expected),
            "{options}: got {message:?}, expected {expected:?}"
        );
    }
    assert_eq!(Options::from_json("[1]").unwrap_err().code, "bad_option");
    assert_eq!(Options::from_json("{").unwrap_err().code, "bad_option");
}

#[test]
fn good_options_are_read_in_their_usual_spellings() {
    let options = Options::from_value(&json!({
        "profile": "escu", "format": "auto", "internal": "10.0.0.0/8, 172.16.0.0/12",
        "ports": "445,139,445", "includeBlocked": true, "requireEstablished": null,
        "tz": "-05:00", "year": 2023, "sourcetype": "bro:conn", "maxSources": 10, "maxValues": 5,
    }))
    .unwrap();
    let config = Config::new(&options).unwrap();
    assert_eq!(config.ports, vec![139, 445]);
    assert_eq!(config.offset_secs, -5 * 3600);
    assert_eq!(config.format, None);
    assert!(config.internal.contains("172.20.1.1".parse().unwrap()));
    assert!(!config.internal.contains("192.168.1.1".parse().unwrap()));
    assert_eq!(config.syslog_year(), 2023);
    assert!(!config.require_established);
}

#[test]
fn the_asset_lookup_reads_ips_cidrs_and_ranges_in_any_column_order() {
    let csv = "priority,category,ip,nt_host\n\
               high,\"internal|pci\",\"10.20.0.0/16|192.0.2.10-192.0.2.20\",fs01\n\
               low,cloud,81.2.69.160,storage\n\
               low,,8.8.8.8,nocategory\n";
    let assets = AssetTable::parse_csv(csv).unwrap();
    let categories = |ip: &str| assets.categories(ip.parse().unwrap());
    assert_eq!(categories("10.20.3.4"), ["internal", "pci"]);
    assert_eq!(categories("192.0.2.20"), ["internal", "pci"]);
    assert!(categories("192.0.2.21").is_empty());
    assert_eq!(categories("81.2.69.160"), ["cloud"]);
    assert!(categories("8.8.8.8").is_empty());
    assert!(assets.internal().contains("192.0.2.15".parse().unwrap()));
    assert!(!assets.internal().contains("81.2.69.160".parse().unwrap()));
    let bad = AssetTable::parse_csv("ip,category\n10.0.0.0/8,internal\nnot-an-ip,internal\n");
    assert!(bad.unwrap_err().message.contains("line 3"));
}

#[test]
fn allowlist_lines_are_checked_with_their_line_number() {
    let cases = [
        (
            "src 10.0.0.0/8 extra",
            "allowlist line 1: `src` takes one value, found 2",
        ),
        (
            "\n\npair 10.0.0.0/8",
            "allowlist line 3: `pair` takes two values, found 1",
        ),
        (
            "dest 300.1.1.1",
            "allowlist line 1: not a CIDR, address or range: \"300.1.1.1\"",
        ),
        (
            "# c\nallow 1.2.3.4",
            "allowlist line 2: unknown rule `allow`; expected src, dest, dest-host or pair",
        ),
    ];
    for (text, expected) in cases {
        assert_eq!(Allowlist::parse(text).unwrap_err().message, expected);
    }
    let list = Allowlist::parse(
        "# comment\n\nsrc 10.0.0.0/8 # trailing comment\ndest-host corp.example\n",
    )
    .unwrap();
    assert_eq!(list.len(), 2);
}
