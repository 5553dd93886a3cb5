//! The prefilter changes nothing but speed: reports (findings and every statistic) are
//! the same whether lines are passed over a stretch at a time (whole input in one
//! chunk) or one line at a time (input a byte at a time, where no whole line is ever
//! in view at a line start), and the findings equal those of a run that parses every
//! line.

use std::path::Path;

use smb_egress::{Analyzer, Config, Options, render};

fn config(profile: &str, max_line: usize) -> Config {
    let options = Options {
        profile: Some(profile.into()),
        max_line_bytes: Some(max_line),
        ..Options::default()
    };
    let mut config = Config::new(&options).unwrap();
    config.current_year = 2024;
    config
}

fn report(config: Config, input: &[u8], chunk: usize, records: bool) -> serde_json::Value {
    let mut analyzer = Analyzer::new(config);
    analyzer.collect_records(records);
    for piece in input.chunks(chunk) {
        analyzer.push(piece);
        analyzer.take_records();
    }
    render::report_json(&analyzer.finish())
}

fn check(name: &str, input: &[u8]) {
    for profile in ["escu", "default"] {
        for max_line in [1 << 20, 300] {
            let whole = report(config(profile, max_line), input, input.len().max(1), false);
            for chunk in [1, 7, 4096] {
                let cut = report(config(profile, max_line), input, chunk, false);
                assert_eq!(
                    whole, cut,
                    "{name}, {profile}, cap {max_line}, chunks of {chunk}"
                );
            }
            let parsed = report(config(profile, max_line), input, input.len().max(1), true);
            assert_eq!(whole["findings"], parsed["findings"], "{name}, {profile}");
        }
    }
}

/// Lines of every kind the stretch-wise pass must stop at or go over.
const MIXED: &str = concat!(
    "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n",
    "#path\tconn\n#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\t",
    "service\tconn_state\n#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tstring\n",
    "1709510400.1\tC1445\t10.0.0.5\t50100\t8.8.8.8\t443\ttcp\tssl\tSF\n",
    "1709510401.2\tC2\t10.0.0.5\t50101\t203.0.113.9\t445\ttcp\tsmb\tSF\n",
    "1709510402.3\tC3\t10.0.0.6\t14450\t198.51.100.1\t139\ttcp\t-\tS0\n",
    "1709510403.4\tC4\t10.0.0.6\t50102\t198.51.100.1\t80\ttcp\thttp\tSF\n",
    "#close\t2024-03-05-00-00-00\n",
    "{\"timestamp\":\"2024-03-04T10:00:00.000000+0000\",\"event_type\":\"flow\",",
    "\"src_ip\":\"10.1.1.1\",\"src_port\":50000,\"dest_ip\":\"8.8.4.4\",\"dest_port\":443,",
    "\"proto\":\"TCP\"}\n",
    "{\"timestamp\":\"2024-03-04T10:00:01.000000+0000\",\"event_type\":\"flow\",",
    "\"src_ip\":\"10.1.1.1\",\"src_port\":50001,\"dest_ip\":\"8.8.4.4\",\"dest_port\":445,",
    "\"proto\":\"TCP\",\"app_proto\":\"smb\"}\n",
    "{\n  \"timestamp\": \"2024-03-04T10:00:02.000000+0000\", \"event_type\": \"flow\",\n",
    "  \"src_ip\": \"10.1.1.2\", \"dest_ip\": \"8.8.4.4\", \"dest_port\": 139, \"proto\": \"TCP\"\n}\n",
    "{\"timestamp\":\"2024-03-04T10:00:03.000000+0000\",\"event_type\":\"dns\",",
    "\"src_ip\":\"10.1.1.3\",\"src_port\":53000,\"dest_ip\":\"10.0.0.53\",\"dest_port\":53}\r\n",
    "\n   \n",
    "src_ip,dest_ip,dest_port,action,app,_time\n",
    "10.2.2.2,203.0.113.50,445,allowed,smb,2024-03-04T11:00:00Z\n",
    "10.2.2.3,203.0.113.51,443,allowed,ssl,2024-03-04T11:00:01Z\n",
    "Mar  4 12:00:00 PA 1,2024/03/04 12:00:00,0123,TRAFFIC,end,2562,2024/03/04 12:00:00,",
    "10.3.3.3,203.0.113.60,0.0.0.0,0.0.0.0,r,,,ms-ds-smb,vsys1,trust,untrust,e1,e2,lf,",
    "2024/03/04 12:00:00,1,1,50000,445,0,0,0x0,tcp,allow,100,50,50,2,2024/03/04 11:59:59,",
    "1,any,0,1,0x0,US,US,0,1,1,tcp-fin\n",
    "plain words that are no log\n",
    "caf\u{e9} 139 na\u{ef}ve\n",
);

#[test]
fn mixed_lines_give_the_same_report_in_any_chunking() {
    let mut input = MIXED.as_bytes().to_vec();
    input.extend(std::iter::repeat_n(b'x', 700));
    input.extend_from_slice(b" 445\nlast line without end 139");
    check("mixed", &input);
}

#[test]
fn corpus_files_give_the_same_report_in_any_chunking() {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/corpus");
    let mut dirs = vec![root];
    let mut seen = 0;
    while let Some(dir) = dirs.pop() {
        let Ok(entries) = std::fs::read_dir(&dir) else {
            continue;
        };
        for path in entries.flatten().map(|e| e.path()) {
            if path.is_dir() {
                dirs.push(path);
            } else if !path.to_string_lossy().ends_with(".golden.json") {
                check(&path.display().to_string(), &std::fs::read(&path).unwrap());
                seen += 1;
            }
        }
    }
    assert!(seen > 0, "no corpus fixtures found");
}
