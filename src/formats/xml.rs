//! Windows event XML, as `wevtutil`, `Get-WinEvent` and EVTX converters write it.
//!
//! One `<Event>` element a line; a line holding several is read as its first. Only what the connection events need is read: the
//! `System` block's `EventID`, `Provider Name`, `Channel`, `Computer` and `TimeCreated
//! SystemTime`, and each `<Data Name="…">value</Data>` of `EventData`. Entities and
//! character references in values are decoded. The schema is Microsoft's event schema
//! (`http://schemas.microsoft.com/win/2004/08/events/event`).

/// The parts of one Windows event that the parsers read.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Event {
    /// `System/EventID`.
    pub event_id: u32,
    /// `System/Provider/@Name`.
    pub provider: String,
    /// `System/Channel`.
    pub channel: String,
    /// `System/Computer`.
    pub computer: String,
    /// `System/TimeCreated/@SystemTime`.
    pub system_time: Option<String>,
    /// `EventData/Data` name and value pairs, in order.
    pub data: Vec<(String, String)>,
}

impl Event {
    /// Reads an `<Event>` element, or `None` when it has no numeric `EventID`.
    ///
    /// ```
    /// use smb_egress::formats::xml::Event;
    ///
    /// let xml = "<Event><System><EventID>3</EventID><Channel>x</Channel></System>\
    ///            <EventData><Data Name='DestinationIp'>10.0.0.1</Data>\
    ///            <Data Name=\"Image\">C:\\a&amp;b.exe</Data></EventData></Event>";
    /// let event = Event::parse(xml).unwrap();
    /// assert_eq!(event.event_id, 3);
    /// assert_eq!(event.data("DestinationIp"), Some("10.0.0.1"));
    /// assert_eq!(event.data("Image"), Some("C:\\a&b.exe"));
    /// ```
    pub fn parse(text: &str) -> Option<Event> {
        let text = first_event(text);
        let event_id = element_text(text, "EventID")?.trim().parse().ok()?;
        let mut event = Event {
            event_id,
            provider: tag_attribute(text, "Provider", "Name").unwrap_or_default(),
            channel: element_text(text, "Channel")
                .map(|c| decode(&c))
                .unwrap_or_default(),
            computer: element_text(text, "Computer")
                .map(|c| decode(&c))
                .unwrap_or_default(),
            system_time: tag_attribute(text, "TimeCreated", "SystemTime"),
            data: Vec::new(),
        };
        let mut rest = text;
        while let Some(start) = rest.find("<Data") {
            rest = &rest[start + 5..];
            // A tag ends at its `>`; a `<` before it starts the next tag, so each byte is
            // searched once however many unclosed tags a hostile line holds.
            let Some(tag_end) = rest.find(['>', '<']) else {
                break;
            };
            if rest.as_bytes()[tag_end] == b'<' {
                rest = &rest[tag_end..];
                continue;
            }
            let tag = &rest[..tag_end];
            let Some(name) = attribute(tag, "Name") else {
                continue;
            };
            if tag.ends_with('/') {
                event.data.push((name, String::new()));
                rest = &rest[tag_end + 1..];
                continue;
            }
            let body = &rest[tag_end + 1..];
            let end = body.find("</Data>").unwrap_or(body.len());
            event.data.push((name, decode(&body[..end])));
            rest = &body[end..];
        }
        Some(event)
    }

    /// The value of a `Data` element by name.
    pub fn data(&self, name: &str) -> Option<&str> {
        self.data
            .iter()
            .find(|(n, _)| n == name)
            .map(|(_, v)| v.as_str())
    }
}

/// The text up to the end of the first `</Event>`, so that a line holding several
/// events (or an `<Events>` wrapper) is read as its first event only.
fn first_event(text: &str) -> &str {
    const END: &str = "</Event>";
    text.find(END).map_or(text, |end| &text[..end + END.len()])
}

/// The text inside the first `<name …>…</name>`.
fn element_text(text: &str, name: &str) -> Option<String> {
    let open = format!("<{name}");
    let mut rest = text;
    loop {
        let start = rest.find(&open)?;
        rest = &rest[start + open.len()..];
        if rest.starts_with(['>', ' ', '\t', '/']) {
            break;
        }
    }
    let body = &rest[rest.find('>')? + 1..];
    let end = body.find(&format!("</{name}>"))?;
    Some(body[..end].to_owned())
}

/// An attribute of the first `<tag …>` element.
fn tag_attribute(text: &str, tag: &str, name: &str) -> Option<String> {
    let open = format!("<{tag}");
    let start = text.find(&open)? + open.len();
    let rest = &text[start..];
    let end = rest.find('>')?;
    attribute(&rest[..end], name)
}

/// An attribute's decoded value inside a tag's text (`Name="x"` or `Name='x'`).
fn attribute(tag: &str, name: &str) -> Option<String> {
    let mut rest = tag;
    while let Some(at) = rest.find(name) {
        let before_ok = at == 0 || rest.as_bytes()[at - 1].is_ascii_whitespace();
        let after = rest[at + name.len()..].trim_start();
        rest = &rest[at + name.len()..];
        let Some(after) = after.strip_prefix('=').map(str::trim_start) else {
            continue;
        };
        let quote = after.chars().next()?;
        if !before_ok || (quote != '"' && quote != '\'') {
            continue;
        }
        let value = &after[1..];
        return Some(decode(&value[..value.find(quote)?]));
    }
    None
}

/// Decodes the five XML entities and numeric character references.
pub fn decode(text: &str) -> String {
    if !text.contains('&') {
        return text.to_owned();
    }
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(at) = rest.find('&') {
        out.push_str(&rest[..at]);
        rest = &rest[at..];
        // A reference is short: look for its `;` in the next few bytes only, so that a
        // line of `&` without `;` is read in linear time.
        let end = rest.bytes().take(11).position(|b| b == b';');
        let decoded = end.and_then(|e| entity(&rest[1..e]));
        match (end, decoded) {
            (Some(e), Some(c)) => {
                out.push(c);
                rest = &rest[e + 1..];
            }
            _ => {
                out.push('&');
                rest = &rest[1..];
            }
        }
    }
    out.push_str(rest);
    out
}

fn entity(name: &str) -> Option<char> {
    match name {
        "lt" => Some('<'),
        "gt" => Some('>'),
        "amp" => Some('&'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        _ => {
            let number = name.strip_prefix('#')?;
            let code = match number.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => number.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_only_the_first_event_of_a_line() {
        let line = "<Events><Event><System><EventID>3</EventID></System><EventData>\
                    <Data Name='SourceIp'>10.0.0.1</Data></EventData></Event>\
                    <Event><System><EventID>5</EventID></System><EventData>\
                    <Data Name='Image'>x.exe</Data></EventData></Event></Events>";
        let event = Event::parse(line).unwrap();
        assert_eq!(event.event_id, 3);
        assert_eq!(event.data, [("SourceIp".to_owned(), "10.0.0.1".to_owned())]);
    }

    #[test]
    fn survives_broken_markup() {
        let cases = [
            "<Event><System><EventID>3</EventID></System><EventData><Data Name='a'",
            "<Event><System><EventID>3</EventID></System><Data Name=\"é",
            "<Event><System><EventID>3</EventID><Provider Name='\u{e9}",
            "<Event><System><EventID>3</EventID></System><Data>&#xFFFFFFFF;&#;&am</Data>",
        ];
        for text in cases {
            let event = Event::parse(text).unwrap();
            assert_eq!(event.event_id, 3, "{text}");
        }
        assert!(Event::parse("<Event><System><EventID>x</EventID></System></Event>").is_none());
    }
}
