//! A test that rejects, before parsing, lines that cannot hold SMB traffic.
//!
//! Most lines of a connection log are not SMB. A line that holds none of the SMB port
//! numbers (as digits) and none of the SMB application names (`smb`, `cifs`,
//! `microsoft-ds`, `netbios-ssn`, in any case) cannot become an SMB candidate in either
//! profile, whatever its format, so the analyzer counts it and moves on without parsing
//! it. Header lines that give a layout (`#fields`, a CSV header naming `src_ip` or
//! `srcaddr`) always pass, so that the rows below them can be read.
//!
//! The search is one pass of an Aho-Corasick automaton over the line. A match is only
//! a hint (`1445` holds `445`): the line is then parsed and judged as usual.

use aho_corasick::{AhoCorasick, AhoCorasickBuilder, MatchKind};

/// Words that make a line worth parsing, besides the port numbers.
const WORDS: [&str; 7] = [
    "smb",
    "cifs",
    "microsoft-ds",
    "netbios-ssn",
    "src_ip",
    "srcaddr",
    "all_traffic",
];

/// The compiled test for a set of SMB ports.
///
/// ```
/// use smb_egress::prefilter::Prefilter;
///
/// let prefilter = Prefilter::new(&[139, 445]);
/// assert!(prefilter.may_hold_smb(b"1709028000 10.0.0.1 8.8.8.8 50100 445 tcp"));
/// assert!(prefilter.may_hold_smb(b"app=MS-DS-SMB dport=8080"));
/// assert!(!prefilter.may_hold_smb(b"1709028000 10.0.0.1 8.8.8.8 50100 443 tcp"));
/// assert!(prefilter.may_hold_smb(b"#fields\tts\tuid"));
/// ```
#[derive(Clone, Debug)]
pub struct Prefilter {
    automaton: AhoCorasick,
}

impl Prefilter {
    /// A prefilter for the given ports.
    pub fn new(ports: &[u16]) -> Prefilter {
        let mut patterns: Vec<String> = ports.iter().map(u16::to_string).collect();
        patterns.extend(WORDS.iter().map(|w| w.to_string()));
        let automaton = AhoCorasickBuilder::new()
            .ascii_case_insensitive(true)
            .match_kind(MatchKind::LeftmostFirst)
            .build(&patterns)
            .expect("a handful of short literal patterns always builds");
        Prefilter { automaton }
    }

    /// False when the line certainly holds no SMB port or name and no layout header.
    pub fn may_hold_smb(&self, line: &[u8]) -> bool {
        line.first() == Some(&b'#') || self.automaton.is_match(line)
    }
}
