//! Reading fields out of JSON documents, whatever their nesting.
//!
//! Log shippers write the same field as `{"id": {"orig_h": …}}`, `{"id.orig_h": …}` or
//! `{"id_orig_h": …}`. [`get`] finds a dotted path in any of the first two shapes;
//! callers try the underscore spelling as a path of its own.

use serde_json::Value;

use crate::addr::Addr;
use crate::record::parse_port;

/// The value at a dotted path, whether the document nests the parts or writes some of
/// them as one key with dots.
///
/// ```
/// use serde_json::json;
/// use smb_egress::formats::json::get;
///
/// let doc = json!({"id": {"orig_h": "10.0.0.1"}, "source.ip": "10.0.0.2"});
/// assert_eq!(get(&doc, "id.orig_h"), Some(&json!("10.0.0.1")));
/// assert_eq!(get(&doc, "source.ip"), Some(&json!("10.0.0.2")));
/// assert_eq!(get(&doc, "id.resp_h"), None);
/// ```
pub fn get<'a>(value: &'a Value, path: &str) -> Option<&'a Value> {
    let object = value.as_object()?;
    if let Some(found) = object.get(path) {
        return Some(found);
    }
    let mut dots = path.match_indices('.').map(|(i, _)| i);
    dots.find_map(|i| {
        object
            .get(&path[..i])
            .and_then(|inner| get(inner, &path[i + 1..]))
    })
}

/// The first of several paths that is present and not null.
pub fn get_any<'a>(value: &'a Value, paths: &[&str]) -> Option<&'a Value> {
    paths
        .iter()
        .find_map(|p| get(value, p).filter(|v| !v.is_null()))
}

/// A string or number at a path, as text; empty strings count as missing.
pub fn text<'a>(value: &'a Value, paths: &[&str]) -> Option<std::borrow::Cow<'a, str>> {
    text_of(get_any(value, paths)?)
}

/// A string or number as text, as [`text`] reads it.
pub fn text_of(value: &Value) -> Option<std::borrow::Cow<'_, str>> {
    match value {
        Value::String(s) if s.is_empty() => None,
        Value::String(s) => Some(std::borrow::Cow::Borrowed(s)),
        Value::Number(n) => Some(std::borrow::Cow::Owned(n.to_string())),
        Value::Bool(b) => Some(std::borrow::Cow::Owned(b.to_string())),
        _ => None,
    }
}

/// An address at a path (text that is not an address is kept as text).
pub fn addr(value: &Value, paths: &[&str]) -> Option<Addr> {
    text(value, paths).map(|t| Addr::parse(&t))
}

/// A port at a path, written as a number or a string.
pub fn port(value: &Value, paths: &[&str]) -> Option<u16> {
    text(value, paths).and_then(|t| parse_port(&t))
}

/// A count at a path, written as a number or a string.
pub fn count(value: &Value, paths: &[&str]) -> Option<u64> {
    count_of(get_any(value, paths)?)
}

/// A number or a string as a count, as [`count`] reads it.
pub fn count_of(value: &Value) -> Option<u64> {
    match value {
        Value::Number(n) => n
            .as_u64()
            .or_else(|| n.as_f64().filter(|f| *f >= 0.0).map(|f| f as u64)),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

/// A number at a path (epoch seconds, say), written as a number or a string.
pub fn number(value: &Value, paths: &[&str]) -> Option<f64> {
    number_of(get_any(value, paths)?)
}

/// A number or a string as a finite number, as [`number`] reads it.
pub fn number_of(value: &Value) -> Option<f64> {
    match value {
        Value::Number(n) => n.as_f64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
    .filter(|f: &f64| f.is_finite())
}
