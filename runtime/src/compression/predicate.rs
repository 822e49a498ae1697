use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Response, StatusCode};
use http_body::Body;

/// Starlette's `DEFAULT_EXCLUDED_CONTENT_TYPES` (since Starlette 1.5): media
/// types whose bodies are already compressed, so gzip only costs CPU.
/// `type/*` covers every subtype.
pub const DEFAULT_EXCLUDED_CONTENT_TYPES: &[&str] = &[
    "application/gzip",
    "application/x-gzip",
    "application/zip",
    "audio/*",
    "font/woff",
    "font/woff2",
    "image/avif",
    "image/gif",
    "image/jpeg",
    "image/png",
    "image/webp",
    "text/event-stream",
    "video/*",
];

/// Which responses strata compresses (asked for each response that is not
/// already encoded and not a range).
///
/// Compressed when all hold:
/// - the body size (exact `size_hint`, else `Content-Length`) is at least
///   `minimum_size`; an unknown size means a streaming body, which is
///   compressed as it streams;
/// - the body is not known to be empty, and the status is not `204` or `304`,
///   which carry no body (a `minimum_size` of 0 must not grow one);
/// - the media type is not excluded. As in Starlette, the media type is the
///   `Content-Type` before any `;` parameters, trimmed and compared without
///   regard to case; it is excluded when an entry of the exclusion list
///   names it exactly or as `type/*`. Whatever the list says,
///   `text/event-stream` (a compressor holds events back until a block
///   fills) and `application/grpc*` (gRPC compresses per message) are never
///   compressed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrataPredicate {
    minimum_size: u64,
    excluded: &'static [&'static str],
}

impl StrataPredicate {
    /// Compress bodies of at least `minimum_size` bytes, except the media
    /// types of [`DEFAULT_EXCLUDED_CONTENT_TYPES`].
    pub const fn new(minimum_size: u64) -> Self {
        Self {
            minimum_size,
            excluded: DEFAULT_EXCLUDED_CONTENT_TYPES,
        }
    }

    /// Replaces the list of media types that are never compressed: entries
    /// are `type/subtype` or `type/*`, without parameters (an entry with
    /// parameters never matches); case does not matter.
    pub const fn exclude_content_types(mut self, excluded: &'static [&'static str]) -> Self {
        self.excluded = excluded;
        self
    }

    /// The smallest body size that is compressed.
    pub const fn minimum_size(&self) -> u64 {
        self.minimum_size
    }

    /// The media types that are never compressed, besides `text/event-stream`
    /// and gRPC.
    pub const fn excluded_content_types(&self) -> &'static [&'static str] {
        self.excluded
    }
}

impl StrataPredicate {
    /// Whether `response` is worth compressing. For a `HEAD` (`head`), axum
    /// keeps the `GET`'s `Content-Length` but empties the body, so an empty
    /// body's size says nothing and `Content-Length` decides, as it would for
    /// the `GET`.
    pub fn should_compress<B: Body>(&self, response: &Response<B>, head: bool) -> bool {
        if matches!(response.status(), StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED) {
            return false;
        }
        let size_ok = match body_size(response, head) {
            Some(0) => false,
            Some(size) => size >= self.minimum_size,
            None => true,
        };
        size_ok && compressible_type(self.excluded, content_type(response))
    }
}

fn body_size<B: Body>(response: &Response<B>, head: bool) -> Option<u64> {
    response
        .body()
        .size_hint()
        .exact()
        .filter(|&size| !(head && size == 0))
        .or_else(|| response.headers().get(CONTENT_LENGTH)?.to_str().ok()?.parse().ok())
}

fn content_type<B>(response: &Response<B>) -> &str {
    response
        .headers()
        .get(CONTENT_TYPE)
        .and_then(|value| value.to_str().ok())
        .unwrap_or_default()
}

/// Media types are case-insensitive: `Text/Event-Stream` is still SSE.
fn compressible_type(excluded: &[&str], content_type: &str) -> bool {
    let media_type = content_type
        .split_once(';')
        .map_or(content_type, |(media_type, _)| media_type)
        .trim_matches(|c: char| c.is_ascii_whitespace());
    let starts_with = |prefix: &str| {
        media_type
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    if media_type.eq_ignore_ascii_case("text/event-stream") || starts_with("application/grpc") {
        return false;
    }
    let main_type = media_type.split_once('/').map(|(main_type, _)| main_type);
    !excluded.iter().any(|entry| match entry.strip_suffix("/*") {
        Some(entry_type) => main_type.is_some_and(|main_type| main_type.eq_ignore_ascii_case(entry_type)),
        None => media_type.eq_ignore_ascii_case(entry),
    })
}

#[cfg(test)]
mod tests {
    use super::{DEFAULT_EXCLUDED_CONTENT_TYPES, compressible_type};

    #[test]
    fn default_exclusions_match_starlette() {
        let compressible = |content_type| compressible_type(DEFAULT_EXCLUDED_CONTENT_TYPES, content_type);
        for yes in [
            "",
            "text/plain; charset=utf-8",
            "application/json",
            "text/html",
            "image/svg+xml",
            "IMAGE/SVG+XML",
            // Not in Starlette's list: they compress well.
            "image/bmp",
            "font/ttf",
            "application/zip-like",
            "audiox/thing",
            "not a media type",
        ] {
            assert!(compressible(yes), "{yes}");
        }
        for no in [
            "text/event-stream",
            "Text/Event-Stream; charset=utf-8",
            "application/grpc",
            "application/grpc+proto",
            "application/grpc-web",
            "image/png",
            "Image/JPEG",
            "  image/webp ; q=1",
            "application/zip",
            "application/gzip",
            "application/x-gzip",
            "audio/mpeg",
            "AUDIO/ogg; codecs=opus",
            "video/mp4",
            "font/woff2",
            "image/avif",
            "image/gif",
        ] {
            assert!(!compressible(no), "{no}");
        }
    }

    #[test]
    fn a_custom_list_replaces_the_default_but_sse_and_grpc_stay_excluded() {
        let excluded: &[&str] = &["application/pdf", "text/*"];
        assert!(!compressible_type(excluded, "application/PDF"));
        assert!(!compressible_type(excluded, "text/html; charset=utf-8"));
        assert!(
            compressible_type(excluded, "image/png"),
            "the default list no longer applies"
        );
        assert!(compressible_type(excluded, "application/pdfx"), "exact, not a prefix");
        assert!(!compressible_type(&[], "text/event-stream"));
        assert!(!compressible_type(&[], "application/grpc+json"));
        assert!(compressible_type(&[], "image/png"));
    }
}
