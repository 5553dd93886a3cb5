//! Zeek SMB logs, TSV or JSON: `smb_mapping`, `smb_files` and `dce_rpc`.
//!
//! Specified by the Zeek documentation ("smb_mapping.log", "smb_files.log",
//! "dce_rpc.log" under <https://docs.zeek.org/en/master/logs/>) and the `SMB::TreeInfo`,
//! `SMB::FileInfo` and `DCE_RPC::Info` records. The TSV layout and the JSON key styles
//! are read as [`super::zeek`] describes. Each row gives one record:
//!
//! | record field | source |
//! | --- | --- |
//! | `_time` | `ts` |
//! | `src_ip`, `src_port`, `dest_ip`, `dest_port` | `id.orig_h`, `id.orig_p`, `id.resp_h`, `id.resp_p` |
//! | `transport` | `tcp` (Zeek's SMB and DCE/RPC analyzers run over TCP) |
//! | `app` | `smb` for SMB rows; `dce_rpc` for DCE/RPC rows that are not over SMB |
//! | `dest` | the server of the UNC `path` (`\\server\share`) when it is a name |
//! | `action` | `allowed` (a sensor's record of a session that took place) |
//! | `established` | true: a share mapping, a file operation or an RPC call needs a session |
//! | `sourcetype` | `bro:smb_mapping:json`, `bro:smb_files:json`, `bro:dce_rpc:json`; without `:json` for TSV |
//!
//! `smb_mapping` and `smb_files` rows are SMB by their kind (`smb_kind`), whatever their
//! port. A `dce_rpc` row is SMB only when the call went over an SMB named pipe: Zeek
//! writes the pipe's name in `named_pipe` (`\pipe\ntsvcs`) then, and the responder's port
//! number (`135`, `49667`) when the call went over plain TCP (the endpoint mapper and
//! dynamic RPC ports). So a `dce_rpc` row is SMB when `named_pipe` is not a number or
//! the responder's port is 139 or 445; other rows are kept as records of app `dce_rpc`
//! that are not SMB by kind.

use serde_json::Value;

use super::zeek::{self, Field, LogKind, Row};
use super::{Ctx, Skip};
use crate::record::Record;

/// Whether the JSON document is a Zeek `smb_mapping`, `smb_files` or `dce_rpc` log.
pub fn is_json(v: &Value) -> bool {
    zeek::json_kind(v).is_some_and(|kind| kind.format() == super::Format::ZeekSmb)
}

/// Reads one SMB log JSON document.
///
/// ```
/// use serde_json::json;
/// use smb_egress::formats::{zeek_smb, Ctx};
///
/// let doc = json!({"_path": "smb_mapping", "ts": "2018-03-24T17:15:21.625534Z",
///     "id.orig_h": "10.164.94.120", "id.orig_p": 36315, "id.resp_h": "10.47.8.208",
///     "id.resp_p": 445, "path": "\\\\SNOZBERRY\\IPC$", "share_type": "PIPE"});
/// let mut out = Vec::new();
/// zeek_smb::from_json(&doc, &mut Ctx::new(2024, 0), &mut out).unwrap();
/// assert!(out[0].smb_kind);
/// assert_eq!(out[0].dest.as_deref(), Some("SNOZBERRY"));
/// assert_eq!(out[0].sourcetype, "bro:smb_mapping:json");
/// ```
pub fn from_json(v: &Value, ctx: &mut Ctx, out: &mut Vec<Record>) -> Result<(), Skip> {
    let kind = zeek::json_kind(v).unwrap_or(LogKind::SmbMapping);
    zeek::from_json(v, &kind, ctx, out)
}

/// The record of an SMB log row of `kind`.
pub(crate) fn record(
    row: &impl Row,
    kind: &LogKind,
    sourcetype: &str,
    ctx: &Ctx,
) -> Result<Record, Skip> {
    let mut record = zeek::base_record(row, sourcetype, ctx)?;
    record.transport = "tcp".to_owned();
    record.action = "allowed".to_owned();
    record.established = Some(true);
    record.smb_kind = match kind {
        LogKind::DceRpc => is_smb_pipe(row.text(Field::NamedPipe).as_deref(), record.dest_port),
        _ => true,
    };
    record.app = Some(if record.smb_kind { "smb" } else { "dce_rpc" }.to_owned());
    record.dest = row.text(Field::Path).and_then(|p| zeek::unc_host(&p));
    Ok(record)
}

/// Whether a DCE/RPC call went over SMB: a named pipe (not a port number) or an SMB
/// port.
fn is_smb_pipe(named_pipe: Option<&str>, dest_port: u16) -> bool {
    let pipe = named_pipe.is_some_and(|p| !p.is_empty() && !p.bytes().all(|b| b.is_ascii_digit()));
    pipe || matches!(dest_port, 139 | 445)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::formats::{FileState, Format, SkipReason, parse_line};

    fn one(doc: &str) -> Record {
        let v: Value = serde_json::from_str(doc).unwrap();
        assert!(is_json(&v), "{doc}");
        assert!(!super::super::zeek_conn::is_json(&v), "{doc}");
        let mut out = Vec::new();
        from_json(&v, &mut Ctx::new(2024, 0), &mut out).unwrap();
        assert_eq!(out.len(), 1);
        out.remove(0)
    }

    #[test]
    fn kinds_give_sourcetype_app_and_smb_kind() {
        let cases = [
            (
                r#"{"_path":"smb_mapping","id.orig_h":"10.0.1.6","id.resp_h":"10.0.0.4","id.resp_p":445}"#,
                "bro:smb_mapping:json",
                "smb",
                true,
            ),
            (
                r#"{"@stream":"smb_files","id_orig_h":"10.0.1.6","id_resp_h":"10.0.0.4","id_resp_p":8445}"#,
                "bro:smb_files:json",
                "smb",
                true,
            ),
            (
                r#"{"_path":"dce_rpc","id.orig_h":"10.128.0.214","id.resp_h":"10.47.8.142","id.resp_p":445,"named_pipe":"\\pipe\\ntsvcs"}"#,
                "bro:dce_rpc:json",
                "smb",
                true,
            ),
            (
                r#"{"@stream":"dce_rpc","id_orig_h":"10.0.1.6","id_resp_h":"10.0.0.4","id_resp_p":135,"named_pipe":"135"}"#,
                "bro:dce_rpc:json",
                "dce_rpc",
                false,
            ),
            (
                r#"{"_path":"dce_rpc","id.orig_h":"10.0.1.6","id.resp_h":"10.0.0.4","id.resp_p":49667,"named_pipe":"49667"}"#,
                "bro:dce_rpc:json",
                "dce_rpc",
                false,
            ),
            (
                r#"{"_path":"dce_rpc","id.orig_h":"10.0.1.6","id.resp_h":"10.0.0.4","id.resp_p":139}"#,
                "bro:dce_rpc:json",
                "smb",
                true,
            ),
            (
                r#"{"_path":"dce_rpc","id.orig_h":"10.0.1.6","id.resp_h":"10.0.0.4","id.resp_p":50000,"named_pipe":"lsass"}"#,
                "bro:dce_rpc:json",
                "smb",
                true,
            ),
        ];
        for (doc, sourcetype, app, smb_kind) in cases {
            let r = one(doc);
            assert_eq!(r.sourcetype, sourcetype, "{doc}");
            assert_eq!(r.app.as_deref(), Some(app), "{doc}");
            assert_eq!(r.smb_kind, smb_kind, "{doc}");
            assert_eq!(r.transport, "tcp");
            assert_eq!(r.action, "allowed");
            assert_eq!(r.established, Some(true));
        }
    }

    #[test]
    fn maps_endpoints_time_and_share_host() {
        let r = one(
            r#"{"_path":"smb_files","ts":"2018-03-24T17:15:54.600639Z","id.orig_h":"10.128.0.214","id.orig_p":41717,"id.resp_h":"10.47.8.142","id.resp_p":445,"action":"SMB::FILE_OPEN","path":"\\\\fs01.example.org\\share","name":"\\svcctl"}"#,
        );
        assert_eq!(r.time, Some(1521911754.600639));
        assert_eq!(r.src_ip.unwrap().to_string(), "10.128.0.214");
        assert_eq!(r.src_port, Some(41717));
        assert_eq!(r.dest_ip.unwrap().to_string(), "10.47.8.142");
        assert_eq!(r.dest_port, 445);
        assert_eq!(r.dest.as_deref(), Some("fs01.example.org"));
    }

    #[test]
    fn reads_tsv_rows_with_escaped_paths() {
        let lines = [
            r"#separator \x09",
            "#unset_field\t-",
            "#empty_field\t(empty)",
            "#path\tsmb_mapping",
            "#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tpath\tservice\tnative_file_system\tshare_type",
        ];
        let mut file = FileState::default();
        let mut ctx = Ctx::new(2024, 0);
        let mut out = Vec::new();
        for line in lines {
            parse_line(line, &mut file, None, &mut ctx, &mut out).unwrap();
        }
        let row = r"1521911721.625534	CGLsp	10.164.94.120	36315	10.47.8.208	445	\\\\SNOZBERRY\\IPC$	IPC	-	PIPE";
        let parsed = parse_line(row, &mut file, None, &mut ctx, &mut out);
        assert_eq!(parsed, Ok(Some(Format::ZeekSmb)));
        assert_eq!(out[0].dest.as_deref(), Some("SNOZBERRY"));
        assert_eq!(out[0].sourcetype, "bro:smb_mapping");
        let forced = parse_line(row, &mut file, Some(Format::ZeekConn), &mut ctx, &mut out);
        assert_eq!(forced.unwrap_err().reason, SkipReason::FormatMismatch);
    }
}
