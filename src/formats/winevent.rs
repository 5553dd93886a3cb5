//! One view over a Windows event, whether it came as XML or as a collector's JSON.
//!
//! The Sysmon and Security parsers read the same few things from every event: its id,
//! provider, channel, computer, creation time, and named `EventData` values. Those sit in
//! different places depending on who wrote the event down:
//!
//! - XML (`wevtutil`, `Get-WinEvent`, EVTX converters), read by [`super::xml::Event`];
//! - NXLog `im_msvistalog` JSON: everything flat at the top level (`EventID`,
//!   `SourceName`, `Channel`, `Hostname`, `EventTime` in the collector's local time
//!   without a zone, then the `EventData` names such as `SourceIp`);
//! - Winlogbeat JSON: `winlog.event_id`, `winlog.provider_name`, `winlog.channel`,
//!   `winlog.computer_name`, `winlog.event_data.*`, with `@timestamp` the event's time;
//! - EVTX-to-JSON exports: `Event.System.*`, attributes written as `#attributes.Name`,
//!   `@Name` or `Name`, and `Event.EventData` either as an object of names or as a
//!   `Data` list of `{"@Name": …, "#text": …}` elements.
//!
//! [`WinEvent`] hides the differences.

use std::borrow::Cow;

use serde_json::Value;

use super::Ctx;
use super::json::{get, get_any};
use super::xml::Event;
use crate::time::{parse_iso8601, parse_system_time};

/// A Windows event in any of the renderings the module documentation lists.
#[derive(Clone, Copy, Debug)]
pub enum WinEvent<'a> {
    /// An event read from XML.
    Xml(&'a Event),
    /// An event read from JSON.
    Json(JsonEvent<'a>),
}

/// A Windows event written as JSON by a collector.
#[derive(Clone, Copy, Debug)]
pub struct JsonEvent<'a> {
    root: &'a Value,
    shape: Shape,
    data: Data<'a>,
}

#[derive(Clone, Copy, Debug, PartialEq)]
enum Shape {
    Nxlog,
    Winlogbeat,
    Export,
}

#[derive(Clone, Copy, Debug)]
enum Data<'a> {
    Object(&'a Value),
    List(&'a [Value]),
    /// Winlogbeat output flattened to `winlog.event_data.<name>` keys.
    Dotted,
    Absent,
}

impl<'a> WinEvent<'a> {
    /// The event in a JSON document, or `None` when the document is no Windows event.
    ///
    /// ```
    /// use serde_json::json;
    /// use smb_egress::formats::winevent::WinEvent;
    ///
    /// let doc = json!({"winlog": {"event_id": "3", "event_data": {"SourceIp": "10.0.0.5"}}});
    /// let event = WinEvent::from_json(&doc).unwrap();
    /// assert_eq!(event.event_id(), Some(3));
    /// assert_eq!(event.data("SourceIp").as_deref(), Some("10.0.0.5"));
    /// ```
    pub fn from_json(root: &'a Value) -> Option<WinEvent<'a>> {
        let (shape, data) = if get(root, "winlog.event_id").is_some() {
            let data = get(root, "winlog.event_data").map_or(Data::Dotted, Data::Object);
            (Shape::Winlogbeat, data)
        } else if let Some(event) = get(root, "Event").filter(|e| get(e, "System").is_some()) {
            (Shape::Export, export_data(get(event, "EventData")))
        } else if root.get("EventID").is_some() {
            (Shape::Nxlog, Data::Object(root))
        } else {
            return None;
        };
        Some(WinEvent::Json(JsonEvent { root, shape, data }))
    }

    /// The JSON document, for events read from JSON.
    pub fn json(&self) -> Option<&'a Value> {
        match *self {
            WinEvent::Xml(_) => None,
            WinEvent::Json(json) => Some(json.root),
        }
    }

    /// `System/EventID`.
    pub fn event_id(&self) -> Option<u32> {
        match *self {
            WinEvent::Xml(event) => Some(event.event_id),
            WinEvent::Json(json) => json
                .system(
                    &["EventID"],
                    &["winlog.event_id"],
                    &["Event.System.EventID"],
                )
                .and_then(|id| id.trim().parse().ok()),
        }
    }

    /// `System/Provider/@Name`.
    pub fn provider(&self) -> Option<Cow<'a, str>> {
        match *self {
            WinEvent::Xml(event) => Some(Cow::Borrowed(event.provider.as_str())),
            WinEvent::Json(json) => json.system(
                &["SourceName", "ProviderName"],
                &["winlog.provider_name"],
                &[
                    "Event.System.Provider.#attributes.Name",
                    "Event.System.Provider.@Name",
                    "Event.System.Provider.Name",
                ],
            ),
        }
    }

    /// `System/Channel`.
    pub fn channel(&self) -> Option<Cow<'a, str>> {
        match *self {
            WinEvent::Xml(event) => Some(Cow::Borrowed(event.channel.as_str())),
            WinEvent::Json(json) => {
                json.system(&["Channel"], &["winlog.channel"], &["Event.System.Channel"])
            }
        }
    }

    /// `System/Computer`.
    pub fn computer(&self) -> Option<Cow<'a, str>> {
        match *self {
            WinEvent::Xml(event) => Some(Cow::Borrowed(event.computer.as_str())),
            WinEvent::Json(json) => json.system(
                &["Hostname"],
                &["winlog.computer_name"],
                &["Event.System.Computer"],
            ),
        }
    }

    /// Whether the provider or the channel names `word` (ASCII case ignored).
    pub fn is_from(&self, word: &str) -> bool {
        let names = |text: Option<Cow<str>>| text.is_some_and(|t| contains_ignore_case(&t, word));
        names(self.provider()) || names(self.channel())
    }

    /// The time the event was written, in epoch seconds.
    ///
    /// NXLog's `EventTime` is the collector's local time without a zone, so it is read
    /// at `ctx.offset`; the other renderings carry UTC.
    pub fn created(&self, ctx: &Ctx) -> Option<f64> {
        match *self {
            WinEvent::Xml(event) => event.system_time.as_deref().and_then(parse_system_time),
            WinEvent::Json(json) => match json.shape {
                Shape::Nxlog => json
                    .system(&["EventTime"], &[], &[])
                    .and_then(|t| parse_iso8601(&t, ctx.offset)),
                Shape::Winlogbeat => json
                    .system(&[], &["@timestamp"], &[])
                    .and_then(|t| parse_system_time(&t)),
                Shape::Export => json
                    .system(
                        &[],
                        &[],
                        &[
                            "Event.System.TimeCreated.#attributes.SystemTime",
                            "Event.System.TimeCreated.@SystemTime",
                            "Event.System.TimeCreated.SystemTime",
                        ],
                    )
                    .and_then(|t| parse_system_time(&t)),
            },
        }
    }

    /// A named `EventData` value, trimmed; empty values count as missing.
    pub fn data(&self, name: &str) -> Option<Cow<'a, str>> {
        let value = match *self {
            WinEvent::Xml(event) => event.data(name).map(Cow::Borrowed),
            WinEvent::Json(json) => json.data(name),
        }?;
        let trimmed = value.trim();
        if trimmed.is_empty() {
            None
        } else if trimmed.len() == value.len() {
            Some(value)
        } else {
            Some(Cow::Owned(trimmed.to_owned()))
        }
    }
}

impl<'a> JsonEvent<'a> {
    /// A `System` value from the paths of the event's shape.
    fn system(&self, nxlog: &[&str], winlogbeat: &[&str], export: &[&str]) -> Option<Cow<'a, str>> {
        let paths = match self.shape {
            Shape::Nxlog => nxlog,
            Shape::Winlogbeat => winlogbeat,
            Shape::Export => export,
        };
        get_any(self.root, paths).and_then(scalar)
    }

    fn data(&self, name: &str) -> Option<Cow<'a, str>> {
        match self.data {
            Data::Object(object) => object.get(name).and_then(scalar),
            Data::List(items) => items
                .iter()
                .find(|item| item_name(item) == Some(name))
                .and_then(scalar),
            Data::Dotted => self
                .root
                .get(format!("winlog.event_data.{name}"))
                .and_then(scalar),
            Data::Absent => None,
        }
    }
}

/// Where an export keeps its `EventData` values.
fn export_data(event_data: Option<&Value>) -> Data<'_> {
    let Some(event_data) = event_data.filter(|d| d.is_object()) else {
        return Data::Absent;
    };
    match event_data.get("Data") {
        Some(Value::Array(items)) => Data::List(items),
        Some(item @ Value::Object(_)) if item_name(item).is_some() => {
            Data::List(std::slice::from_ref(item))
        }
        _ => Data::Object(event_data),
    }
}

/// The `Name` attribute of a `Data` element written as JSON.
fn item_name(item: &Value) -> Option<&str> {
    get_any(item, &["@Name", "Name", "#attributes.Name"]).and_then(Value::as_str)
}

/// A value as text: strings and numbers as they are, an element object by its text.
fn scalar(value: &Value) -> Option<Cow<'_, str>> {
    match value {
        Value::String(s) => Some(Cow::Borrowed(s)),
        Value::Number(n) => Some(Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(Cow::Borrowed(if *b { "true" } else { "false" })),
        Value::Object(_) => get_any(value, &["#text", "$", "text", "Value", "value"])
            .filter(|v| !v.is_object())
            .and_then(scalar),
        _ => None,
    }
}

fn contains_ignore_case(text: &str, word: &str) -> bool {
    text.as_bytes()
        .windows(word.len().max(1))
        .any(|w| w.eq_ignore_ascii_case(word.as_bytes()))
}

/// Whether an accepted connection is written with the accepting (local) end first.
///
/// Windows has written inbound connections both ways: Sysmon before about 2020 and
/// Windows 7-era Filtering Platform events put the local end in `Source*` (as
/// Microsoft's 5156 page describes), later ones put the remote initiator there. The
/// event does not carry the local address, so the ports decide: the accepting end
/// listens on the service port, which is the lower one. Equal or missing ports keep the
/// order as written.
///
/// ```
/// use smb_egress::formats::winevent::acceptor_first;
///
/// assert!(acceptor_first(Some(445), Some(49304)));
/// assert!(!acceptor_first(Some(62782), Some(445)));
/// assert!(!acceptor_first(Some(137), Some(137)));
/// ```
pub fn acceptor_first(first_port: Option<u16>, second_port: Option<u16>) -> bool {
    match (first_port, second_port) {
        (Some(first), Some(second)) => first != 0 && first < second,
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn reads_each_json_shape() {
        let nxlog = json!({"EventID": 3, "SourceName": "Microsoft-Windows-Sysmon",
            "Channel": "Microsoft-Windows-Sysmon/Operational", "Hostname": "WS5",
            "EventTime": "2020-09-22 14:53:31", "SourceIp": " 10.0.0.5 "});
        let winlogbeat = json!({"@timestamp": "2020-09-22T18:53:31.000Z", "winlog": {
            "event_id": 3, "provider_name": "Microsoft-Windows-Sysmon", "computer_name": "WS5",
            "channel": "Microsoft-Windows-Sysmon/Operational",
            "event_data": {"SourceIp": "10.0.0.5"}}});
        let export_object = json!({"Event": {"System": {"EventID": {"#text": 3},
            "Provider": {"#attributes": {"Name": "Microsoft-Windows-Sysmon"}},
            "Computer": "WS5", "Channel": "Microsoft-Windows-Sysmon/Operational",
            "TimeCreated": {"#attributes": {"SystemTime": "2020-09-22T18:53:31Z"}}},
            "EventData": {"SourceIp": "10.0.0.5"}}});
        let export_list = json!({"Event": {"System": {"EventID": "3",
            "Provider": {"@Name": "Microsoft-Windows-Sysmon"}, "Computer": "WS5",
            "Channel": "Microsoft-Windows-Sysmon/Operational",
            "TimeCreated": {"@SystemTime": "2020-09-22 18:53:31.000+00:00"}},
            "EventData": {"Data": [{"@Name": "RuleName"},
                {"@Name": "SourceIp", "#text": "10.0.0.5"}]}}});
        let ctx = Ctx::new(2024, -4 * 3600);
        for doc in [nxlog, winlogbeat, export_object, export_list] {
            let event = WinEvent::from_json(&doc).unwrap();
            assert_eq!(event.event_id(), Some(3), "{doc}");
            assert!(event.is_from("sysmon"), "{doc}");
            assert_eq!(event.computer().as_deref(), Some("WS5"), "{doc}");
            assert_eq!(event.data("SourceIp").as_deref(), Some("10.0.0.5"), "{doc}");
            assert_eq!(event.data("RuleName"), None, "{doc}");
            assert_eq!(event.created(&ctx), Some(1_600_800_811.0), "{doc}");
        }
    }

    #[test]
    fn refuses_documents_that_are_no_windows_event() {
        for doc in [
            json!({"src_ip": "10.0.0.1"}),
            json!({"Event": 3}),
            json!([]),
        ] {
            assert!(WinEvent::from_json(&doc).is_none(), "{doc}");
        }
    }

    #[test]
    fn reads_flattened_winlogbeat_keys() {
        let doc = json!({"winlog.event_id": 5156, "winlog.event_data.SourcePort": 445});
        let event = WinEvent::from_json(&doc).unwrap();
        assert_eq!(event.data("SourcePort").as_deref(), Some("445"));
    }

    #[test]
    fn a_single_data_element_is_a_list_of_one() {
        let doc = json!({"Event": {"System": {"EventID": 5156},
            "EventData": {"Data": {"Name": "Direction", "#text": "%%14593"}}}});
        let event = WinEvent::from_json(&doc).unwrap();
        assert_eq!(event.data("Direction").as_deref(), Some("%%14593"));
    }

    #[test]
    fn ports_decide_which_end_accepted() {
        let cases = [
            (Some(445), Some(49304), true),
            (Some(3389), Some(49271), true),
            (Some(62782), Some(445), false),
            (Some(54714), Some(50115), false),
            (Some(137), Some(137), false),
            (Some(0), Some(80), false),
            (None, Some(445), false),
        ];
        for (first, second, expected) in cases {
            assert_eq!(
                acceptor_first(first, second),
                expected,
                "{first:?} {second:?}"
            );
        }
    }
}
