//! The verdicts view: what the profile made of each SMB record, one JSON object a line.
//!
//! The report groups findings by source; a view of the records behind it lets a caller
//! draw them over time, or set two profiles side by side. The view holds every record
//! that either profile takes as an SMB candidate (so two analyzers with the same input
//! and ports give lines for the same records, in the same order), each with this
//! profile's verdict: `finding`, `excluded` with the exclusion's name as `reason`, or
//! `not_candidate`. Lines wait for [`VerdictLog::take`] up to a cap; past it they are
//! counted, not kept, so memory stays bounded between two takes.

use serde::Serialize;

use crate::addr::Addr;
use crate::config::Config;
use crate::filter::{Verdict, is_default_candidate, is_escu_candidate};
use crate::record::Record;

/// One line of the view.
#[derive(Serialize)]
struct Line<'a> {
    #[serde(rename = "_time", skip_serializing_if = "Option::is_none")]
    time: Option<f64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    src_ip: Option<&'a Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest_ip: Option<&'a Addr>,
    #[serde(skip_serializing_if = "Option::is_none")]
    dest: Option<&'a str>,
    dest_port: u16,
    transport: &'a str,
    action: &'a str,
    verdict: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    reason: Option<&'static str>,
}

/// The lines kept since the last take, under a cap.
///
/// ```
/// use smb_egress::verdicts::VerdictLog;
/// use smb_egress::{judge, Addr, Config, Record};
///
/// let config = Config::default();
/// let mut record = Record::new("bro:conn");
/// record.src_ip = Some(Addr::parse("10.1.2.3"));
/// record.dest_ip = Some(Addr::parse("192.168.7.7"));
/// record.dest_port = 445;
/// let mut log = VerdictLog::new(10);
/// log.add(&record, judge(&record, &config), &config);
/// assert_eq!(
///     log.take(),
///     concat!(
///         r#"{"src_ip":"10.1.2.3","dest_ip":"192.168.7.7","dest_port":445,"#,
///         r#""transport":"unknown","action":"unknown","verdict":"excluded","#,
///         r#""reason":"destination_internal"}"#,
///         "\n"
///     )
/// );
/// ```
#[derive(Debug, Default)]
pub struct VerdictLog {
    cap: usize,
    text: String,
    lines: usize,
    dropped: u64,
}

impl VerdictLog {
    /// A view that keeps at most `cap` lines between two takes.
    pub fn new(cap: usize) -> VerdictLog {
        VerdictLog {
            cap,
            ..VerdictLog::default()
        }
    }

    /// Adds a record with its verdict, if either profile takes it as SMB.
    pub fn add(&mut self, record: &Record, verdict: Verdict, config: &Config) {
        if !is_escu_candidate(record, config) && !is_default_candidate(record, config) {
            return;
        }
        if self.lines >= self.cap {
            self.dropped += 1;
            return;
        }
        let (verdict, reason) = match verdict {
            Verdict::NotCandidate => ("not_candidate", None),
            Verdict::Excluded(why) => ("excluded", Some(why.name())),
            Verdict::Finding => ("finding", None),
        };
        let line = Line {
            time: record.time,
            src_ip: record.src_ip.as_ref(),
            dest_ip: record.dest_ip.as_ref(),
            dest: record.dest.as_deref(),
            dest_port: record.dest_port,
            transport: &record.transport,
            action: &record.action,
            verdict,
            reason,
        };
        self.text
            .push_str(&serde_json::to_string(&line).unwrap_or_default());
        self.text.push('\n');
        self.lines += 1;
    }

    /// The lines kept since the last call, and room for as many again.
    pub fn take(&mut self) -> String {
        self.lines = 0;
        std::mem::take(&mut self.text)
    }

    /// How many lines the cap held back since the view was turned on.
    pub fn dropped(&self) -> u64 {
        self.dropped
    }
}
