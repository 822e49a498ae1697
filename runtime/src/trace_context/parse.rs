//! The `traceparent` and `tracestate` grammars of W3C Trace Context level 1.

use http::{HeaderMap, HeaderValue};

use super::{SpanId, TRACESTATE, TraceId};

/// What a valid `traceparent` says.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) struct Parent {
    pub(super) trace_id: TraceId,
    pub(super) parent_id: SpanId,
    pub(super) sampled: bool,
}

/// The length of a version-00 `traceparent`.
const LENGTH: usize = 55;

/// Lowercase hex only: the spec refuses `A`-`F`.
fn hex_digit(byte: u8) -> Option<u8> {
    match byte {
        b'0'..=b'9' => Some(byte - b'0'),
        b'a'..=b'f' => Some(byte - b'a' + 10),
        _ => None,
    }
}

fn hex<const N: usize>(text: &[u8]) -> Option<[u8; N]> {
    if text.len() != 2 * N {
        return None;
    }
    let mut bytes = [0u8; N];
    for (byte, pair) in bytes.iter_mut().zip(text.chunks_exact(2)) {
        *byte = hex_digit(pair[0])? << 4 | hex_digit(pair[1])?;
    }
    Some(bytes)
}

/// Parses a `traceparent` value; `None` when it is not a valid one.
pub(super) fn traceparent(value: &[u8]) -> Option<Parent> {
    if value.len() < LENGTH {
        return None;
    }
    let [version] = hex::<1>(&value[0..2])?;
    match version {
        0xff => return None,
        // Version 00 is exactly 55 characters.
        0x00 if value.len() != LENGTH => return None,
        // A later version may add fields after a `-`; its first 55
        // characters are read as version 00.
        _ if value.len() > LENGTH && value[LENGTH] != b'-' => return None,
        _ => {}
    }
    if value[2] != b'-' || value[35] != b'-' || value[52] != b'-' {
        return None;
    }
    let trace_id = hex::<16>(&value[3..35])?;
    let parent_id = hex::<8>(&value[36..52])?;
    let [flags] = hex::<1>(&value[53..55])?;
    if trace_id == [0; 16] || parent_id == [0; 8] {
        return None;
    }
    Some(Parent {
        trace_id: TraceId(trace_id),
        parent_id: SpanId(parent_id),
        sampled: flags & 0x01 == 0x01,
    })
}

/// The spec's limits on a `tracestate` that is passed on.
const MAX_MEMBERS: usize = 32;
const MAX_LENGTH: usize = 512;

/// Every `tracestate` field joined with commas, when the whole list is well
/// formed; `None` otherwise (or when there is none).
pub(super) fn tracestate(headers: &HeaderMap) -> Option<HeaderValue> {
    let mut fields = headers.get_all(TRACESTATE).iter();
    let first = fields.next()?;
    let joined = match fields.next() {
        None => first.clone(),
        Some(second) => {
            let mut bytes = Vec::with_capacity(MAX_LENGTH);
            for field in [first, second].into_iter().chain(fields) {
                if !bytes.is_empty() {
                    bytes.push(b',');
                }
                bytes.extend_from_slice(field.as_bytes());
                if bytes.len() > MAX_LENGTH {
                    return None;
                }
            }
            HeaderValue::from_bytes(&bytes).ok()?
        }
    };
    well_formed(joined.as_bytes()).then_some(joined)
}

fn well_formed(list: &[u8]) -> bool {
    if list.len() > MAX_LENGTH {
        return false;
    }
    let mut keys: Vec<&[u8]> = Vec::new();
    for member in list.split(|&byte| byte == b',') {
        let member = member.trim_ascii();
        // Empty members (`a=1,,b=2`) are allowed and ignored.
        if member.is_empty() {
            continue;
        }
        let Some(equals) = member.iter().position(|&byte| byte == b'=') else {
            return false;
        };
        let (key, value) = (&member[..equals], &member[equals + 1..]);
        if !valid_key(key) || !valid_value(value) || keys.contains(&key) {
            return false;
        }
        keys.push(key);
        if keys.len() > MAX_MEMBERS {
            return false;
        }
    }
    true
}

fn key_char(byte: u8) -> bool {
    matches!(byte, b'a'..=b'z' | b'0'..=b'9' | b'_' | b'-' | b'*' | b'/')
}

/// `simple-key` (`[a-z][a-z0-9_\-*/]{0,255}`) or `tenant-id@system-id`
/// (`[a-z0-9][a-z0-9_\-*/]{0,240}@[a-z][a-z0-9_\-*/]{0,13}`).
fn valid_key(key: &[u8]) -> bool {
    match key.iter().position(|&byte| byte == b'@') {
        None => key.len() <= 256 && key.first().is_some_and(u8::is_ascii_lowercase) && key.iter().all(|&b| key_char(b)),
        Some(at) => {
            let (tenant, system) = (&key[..at], &key[at + 1..]);
            (1..=241).contains(&tenant.len())
                && tenant
                    .first()
                    .is_some_and(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
                && tenant.iter().all(|&b| key_char(b))
                && (1..=14).contains(&system.len())
                && system.first().is_some_and(u8::is_ascii_lowercase)
                && system.iter().all(|&b| key_char(b))
        }
    }
}

/// 1 to 256 printable ASCII characters but `,` and `=`, not ending in a space.
fn valid_value(value: &[u8]) -> bool {
    (1..=256).contains(&value.len())
        && value
            .iter()
            .all(|&b| (0x20..=0x7e).contains(&b) && b != b',' && b != b'=')
        && value.last().is_some_and(|&b| b != b' ')
}
