//! Reading a shipper's request body into events, with limits: gzip undone within the size
//! limit (a gzip bomb stops at the limit), then NDJSON, a JSON array, one JSON object (pretty
//! printed or not), or CloudTrail's `{"Records": [...]}`; or a Splunk HEC body of envelopes. A
//! malformed line refuses the whole body, naming the line.

use std::io::Read;

use serde_json::value::RawValue;
use serde_json::Value;

/// The limits every body is held to (flags of `serve`; docs/product.md §7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// The largest body, compressed and again decompressed.
    pub max_body: usize,
    /// The largest single event.
    pub max_event: usize,
}

impl Default for Limits {
    fn default() -> Limits {
        Limits { max_body: 16 * 1024 * 1024, max_event: 1024 * 1024 }
    }
}

/// Why a body was refused (nothing of it is written).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the body is over the limit of {limit} bytes{}", if *.decompressed { " once decompressed" } else { "" })]
    TooLarge { limit: usize, decompressed: bool },
    #[error("the body is not valid gzip: {0}")]
    Gzip(String),
    #[error("line {line}: {reason}")]
    Malformed { line: usize, reason: String },
    #[error("line {line}: the event is {size} bytes, over the limit of {limit} bytes per event")]
    EventTooLarge { line: usize, size: usize, limit: usize },
    #[error("the body holds no events")]
    Empty,
}

/// The body as sent, decompressed when `gzip` (never past `limits.max_body`).
pub fn decompress(body: &[u8], gzip: bool, limits: Limits) -> Result<std::borrow::Cow<'_, [u8]>, BodyError> {
    if body.len() > limits.max_body {
        return Err(BodyError::TooLarge { limit: limits.max_body, decompressed: false });
    }
    if !gzip {
        return Ok(body.into());
    }
    let mut out = Vec::with_capacity(body.len().saturating_mul(4).min(limits.max_body));
    let mut decoder = flate2::read::MultiGzDecoder::new(body).take(limits.max_body as u64 + 1);
    decoder.read_to_end(&mut out).map_err(|e| BodyError::Gzip(e.to_string()))?;
    if out.len() > limits.max_body {
        return Err(BodyError::TooLarge { limit: limits.max_body, decompressed: true });
    }
    Ok(out.into())
}

/// One event of a body and the line it starts on, kept as its JSON text: the parsers read the
/// few fields they need from it without building the whole tree.
#[derive(Debug, Clone)]
pub struct Event {
    pub line: usize,
    pub raw: Box<RawValue>,
}

impl Event {
    /// The event as a JSON value (for a change, or a hash of its content).
    pub fn value(&self) -> Value {
        serde_json::from_str(self.raw.get()).unwrap_or(Value::Null)
    }

    /// An event from a JSON value.
    pub fn from_value(line: usize, value: &Value) -> Event {
        Event { line, raw: serde_json::value::to_raw_value(value).expect("a JSON value serializes") }
    }
}

/// The JSON values of a body, each with the line it starts on: NDJSON, concatenated or pretty
/// printed objects, or one array of them.
fn values(body: &[u8], max_event: Option<usize>) -> Result<Vec<(usize, &RawValue)>, BodyError> {
    let lines = LineCounter::new(body);
    let start = body.iter().position(|b| !b.is_ascii_whitespace()).ok_or(BodyError::Empty)?;
    let raws: Vec<&RawValue> = if body[start] == b'[' {
        serde_json::from_slice::<Vec<&RawValue>>(body).map_err(|e| malformed(&e))?
    } else {
        // A value that does not parse is reported at the line it starts on (the error itself
        // may only show at the end of the body, as with an unclosed object).
        let mut stream = serde_json::Deserializer::from_slice(body).into_iter::<&RawValue>();
        let mut raws = Vec::new();
        loop {
            let before = stream.byte_offset();
            match stream.next() {
                None => break,
                Some(Ok(raw)) => raws.push(raw),
                Some(Err(error)) => {
                    let start = before + body[before..].iter().take_while(|b| b.is_ascii_whitespace()).count();
                    let BodyError::Malformed { reason, .. } = malformed(&error) else { unreachable!("malformed() is Malformed") };
                    return Err(BodyError::Malformed { line: LineCounter::new(body).line_of(start), reason });
                }
            }
        }
        raws
    };
    let mut out = Vec::with_capacity(raws.len());
    for raw in raws {
        let offset = raw.get().as_ptr() as usize - body.as_ptr() as usize;
        let line = lines.line_of(offset);
        if max_event.is_some_and(|max| raw.get().len() > max) {
            return Err(BodyError::EventTooLarge { line, size: raw.get().len(), limit: max_event.unwrap_or_default() });
        }
        out.push((line, raw));
    }
    if out.is_empty() {
        return Err(BodyError::Empty);
    }
    Ok(out)
}

fn malformed(error: &serde_json::Error) -> BodyError {
    let reason = error.to_string();
    // serde_json ends its message with " at line L column C": the line is reported on its own.
    let reason = reason.split(" at line ").next().unwrap_or(&reason).to_owned();
    BodyError::Malformed { line: error.line().max(1), reason: format!("not valid JSON: {reason}") }
}

/// Line numbers of byte offsets, for offsets asked in increasing order.
struct LineCounter<'a> {
    body: &'a [u8],
    at: std::cell::Cell<(usize, usize)>,
}

impl<'a> LineCounter<'a> {
    fn new(body: &'a [u8]) -> Self {
        LineCounter { body, at: std::cell::Cell::new((0, 1)) }
    }

    fn line_of(&self, offset: usize) -> usize {
        let (from, mut line) = self.at.get();
        let (from, line) = if offset >= from {
            line += self.body[from..offset].iter().filter(|&&b| b == b'\n').count();
            (offset, line)
        } else {
            (offset, 1 + self.body[..offset].iter().filter(|&&b| b == b'\n').count())
        };
        self.at.set((from, line));
        line
    }
}

/// The events of a `/api/v1/logs` body. An object holding `records_key` (CloudTrail's
/// `Records`) stands for its records.
pub fn events(body: &[u8], records_key: Option<&str>, limits: Limits) -> Result<Vec<Event>, BodyError> {
    let mut events = Vec::new();
    let too_large = |line: usize, raw: &RawValue| BodyError::EventTooLarge { line, size: raw.get().len(), limit: limits.max_event };
    // The size limit is per event: a wrapper such as CloudTrail's `{"Records": [...]}` (a log file
    // of several megabytes) is held to it record by record.
    for (line, raw) in values(body, None)? {
        if let Some(key) = records_key.filter(|_| raw.get().starts_with('{')) {
            let wrapper: std::collections::HashMap<String, &RawValue> =
                serde_json::from_str(raw.get()).map_err(|e| BodyError::Malformed { line, reason: e.to_string() })?;
            if let Some(records) = wrapper.get(key) {
                let records: Vec<&RawValue> = serde_json::from_str(records.get())
                    .map_err(|_| BodyError::Malformed { line, reason: format!("'{key}' must be an array of events") })?;
                for record in records {
                    if record.get().len() > limits.max_event {
                        return Err(too_large(line, record));
                    }
                    events.push(object(line, record)?);
                }
                continue;
            }
        }
        if raw.get().len() > limits.max_event {
            return Err(too_large(line, raw));
        }
        events.push(object(line, raw)?);
    }
    Ok(events)
}

/// An event, which must be a JSON object (the text was checked as JSON when it was split off).
fn object(line: usize, raw: &RawValue) -> Result<Event, BodyError> {
    if raw.get().starts_with('{') {
        return Ok(Event { line, raw: raw.to_owned() });
    }
    let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
    Err(BodyError::Malformed { line, reason: format!("an event must be a JSON object, not {}", kind(&value)) })
}

fn kind(value: &Value) -> &'static str {
    match value {
        Value::Null => "null",
        Value::Bool(_) => "a boolean",
        Value::Number(_) => "a number",
        Value::String(_) => "a string",
        Value::Array(_) => "an array",
        Value::Object(_) => "an object",
    }
}

/// One Splunk HEC envelope: the event and what the envelope says about it.
#[derive(Debug, Clone)]
pub struct Envelope {
    pub line: usize,
    pub sourcetype: Option<String>,
    /// The envelope's `time` (epoch seconds) in ms.
    pub time_ms: Option<i64>,
    pub host: Option<String>,
    pub event: Box<RawValue>,
}

/// An envelope as sent: the event is kept as its text.
#[derive(serde::Deserialize)]
struct RawEnvelope<'a> {
    #[serde(borrow)]
    event: Option<&'a RawValue>,
    sourcetype: Option<String>,
    time: Option<Value>,
    host: Option<String>,
}

/// The envelopes of a HEC body (`{"event": …, "sourcetype": …}` one after another). An event
/// that is a string holding a JSON object is that object (Fluent Bit and Vector may send the
/// record encoded); any other string becomes `{"message": …}`.
pub fn envelopes(body: &[u8], limits: Limits) -> Result<Vec<Envelope>, BodyError> {
    let mut out = Vec::new();
    for (line, raw) in values(body, Some(limits.max_event))? {
        if !raw.get().starts_with('{') {
            let value: Value = serde_json::from_str(raw.get()).unwrap_or(Value::Null);
            return Err(BodyError::Malformed { line, reason: format!("a HEC envelope must be a JSON object, not {}", kind(&value)) });
        }
        let envelope: RawEnvelope = serde_json::from_str(raw.get()).map_err(|e| BodyError::Malformed { line, reason: format!("not a HEC envelope: {e}") })?;
        let event = match envelope.event {
            Some(event) if event.get().starts_with('{') => event.to_owned(),
            Some(event) if event.get().starts_with('"') => {
                let text: String = serde_json::from_str(event.get()).map_err(|e| BodyError::Malformed { line, reason: e.to_string() })?;
                match serde_json::from_str::<&RawValue>(text.trim()) {
                    Ok(object) if object.get().starts_with('{') => object.to_owned(),
                    _ => serde_json::value::to_raw_value(&serde_json::json!({ "message": text })).expect("a message serializes"),
                }
            }
            Some(other) => {
                let value: Value = serde_json::from_str(other.get()).unwrap_or(Value::Null);
                return Err(BodyError::Malformed { line, reason: format!("'event' must be an object or a string, not {}", kind(&value)) });
            }
            None => return Err(BodyError::Malformed { line, reason: "the envelope has no 'event' (HEC code 12: event field is required)".to_owned() }),
        };
        let time_ms = match &envelope.time {
            Some(Value::Number(n)) => n.as_f64().map(|s| (s * 1000.0) as i64),
            Some(Value::String(s)) => s.parse::<f64>().ok().map(|s| (s * 1000.0) as i64),
            _ => None,
        };
        out.push(Envelope { line, sourcetype: envelope.sourcetype, time_ms, host: envelope.host, event });
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Write;

    fn limits() -> Limits {
        Limits::default()
    }

    #[test]
    fn ndjson_an_array_one_object_and_records_all_give_their_events() {
        let ndjson = b"{\"a\":1}\n{\"a\":2}\n\n{\"a\":3}\n";
        let found = events(ndjson, None, limits()).unwrap();
        assert_eq!(found.iter().map(|e| e.line).collect::<Vec<_>>(), [1, 2, 4]);
        assert_eq!(events(b"[{\"a\":1},\n{\"a\":2}]", None, limits()).unwrap().len(), 2);
        assert_eq!(events(b"{\n  \"a\": 1\n}\n", None, limits()).unwrap().len(), 1);
        let trail = br#"{"Records":[{"eventID":"1"},{"eventID":"2"}]}"#;
        assert_eq!(events(trail, Some("Records"), limits()).unwrap().len(), 2);
        // A file of records larger than one event may be: each record is held to the limit.
        let small = Limits { max_body: 1 << 20, max_event: 20 };
        assert_eq!(events(trail, Some("Records"), small).unwrap().len(), 2);
        let big = br#"{"Records":[{"eventID":"1"},{"eventID":"0123456789012345678"}]}"#;
        assert_eq!(events(big, Some("Records"), small).unwrap_err(), BodyError::EventTooLarge { line: 1, size: 33, limit: 20 });
        assert_eq!(events(br#"{"Records":5}"#, Some("Records"), limits()).unwrap_err().to_string(), "line 1: 'Records' must be an array of events");
    }

    #[test]
    fn a_malformed_line_is_named() {
        let body = b"{\"a\":1}\n{\"a\":2}\n{\"a\":\n";
        assert_eq!(events(body, None, limits()).unwrap_err().to_string(), "line 3: not valid JSON: EOF while parsing a value");
        let body = b"{\"a\":1}\n{\"a\" 2}\n{\"a\":3}\n";
        let error = events(body, None, limits()).unwrap_err();
        assert_eq!(error, BodyError::Malformed { line: 2, reason: "not valid JSON: expected `:`".into() });
        assert_eq!(error.to_string(), "line 2: not valid JSON: expected `:`");
        let error = events(b"{\"a\":1}\n42\n", None, limits()).unwrap_err();
        assert_eq!(error.to_string(), "line 2: an event must be a JSON object, not a number");
        assert_eq!(events(b"  \n", None, limits()).unwrap_err(), BodyError::Empty);
    }

    #[test]
    fn an_event_over_the_limit_is_refused_by_line() {
        let small = Limits { max_body: 1 << 20, max_event: 20 };
        let body = b"{\"a\":1}\n{\"a\":\"0123456789012345678901234\"}\n";
        assert_eq!(events(body, None, small).unwrap_err(), BodyError::EventTooLarge { line: 2, size: 33, limit: 20 });
    }

    #[test]
    fn gzip_is_undone_within_the_limit_and_a_bomb_stops_at_it() {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        encoder.write_all(&vec![b' '; 4 << 20]).unwrap();
        let bomb = encoder.finish().unwrap();
        assert!(bomb.len() < 20_000);
        let small = Limits { max_body: 1 << 20, max_event: 1 << 20 };
        assert_eq!(decompress(&bomb, true, small).unwrap_err(), BodyError::TooLarge { limit: 1 << 20, decompressed: true });
        assert_eq!(decompress(&[0; 100], false, Limits { max_body: 10, max_event: 10 }).unwrap_err(), BodyError::TooLarge { limit: 10, decompressed: false });
        assert!(matches!(decompress(b"not gzip", true, small), Err(BodyError::Gzip(_))));
    }

    #[test]
    fn hec_envelopes_carry_their_sourcetype_and_events() {
        let body = br#"{"time":1767323045.5,"host":"web-1","sourcetype":"aws:cloudtrail","event":{"eventID":"1"}}{"event":"{\"eventID\":\"2\"}","sourcetype":"cloudtrail"}
{"event":"plain text"}"#;
        let found = envelopes(body, limits()).unwrap();
        assert_eq!(found.len(), 3);
        assert_eq!((found[0].sourcetype.as_deref(), found[0].time_ms, found[0].host.as_deref()), (Some("aws:cloudtrail"), Some(1_767_323_045_500), Some("web-1")));
        let event = |i: usize| serde_json::from_str::<Value>(found[i].event.get()).unwrap();
        assert_eq!(event(1)["eventID"], "2");
        assert_eq!(event(2)["message"], "plain text");
        assert_eq!(found[2].line, 2);
        let error = envelopes(br#"{"sourcetype":"x"}"#, limits()).unwrap_err();
        assert_eq!(error.to_string(), "line 1: the envelope has no 'event' (HEC code 12: event field is required)");
    }
}
