use http::header::{CONTENT_LENGTH, CONTENT_TYPE};
use http::{Response, StatusCode};
use http_body::Body;
use tower_http::compression::Predicate;

/// Which responses strata compresses (tower-http calls it for each response
/// that is not already encoded and not a range).
///
/// Compressed when all hold:
/// - the body size (exact `size_hint`, else `Content-Length`) is at least
///   `minimum_size`; an unknown size means a streaming body, which is
///   compressed as it streams;
/// - the body is not known to be empty, and the status is not `204` or `304`,
///   which carry no body (a `minimum_size` of 0 must not grow one);
/// - the content type is not `text/event-stream` (compressors hold events
///   back until a block fills), not `application/grpc*` (gRPC compresses per
///   message), and not `image/*` except `image/svg+xml` (already compressed).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct StrataPredicate {
    minimum_size: u64,
}

impl StrataPredicate {
    /// Compress bodies of at least `minimum_size` bytes.
    pub const fn new(minimum_size: u64) -> Self {
        Self { minimum_size }
    }

    /// The smallest body size that is compressed.
    pub const fn minimum_size(&self) -> u64 {
        self.minimum_size
    }
}

impl Predicate for StrataPredicate {
    fn should_compress<B: Body>(&self, response: &Response<B>) -> bool {
        if matches!(response.status(), StatusCode::NO_CONTENT | StatusCode::NOT_MODIFIED) {
            return false;
        }
        let size_ok = match body_size(response) {
            Some(0) => false,
            Some(size) => size >= self.minimum_size,
            None => true,
        };
        size_ok && compressible_type(content_type(response))
    }
}

fn body_size<B: Body>(response: &Response<B>) -> Option<u64> {
    response
        .body()
        .size_hint()
        .exact()
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
fn compressible_type(content_type: &str) -> bool {
    let is = |prefix: &str| {
        content_type
            .get(..prefix.len())
            .is_some_and(|start| start.eq_ignore_ascii_case(prefix))
    };
    if is("text/event-stream") || is("application/grpc") {
        return false;
    }
    !is("image/") || is("image/svg+xml")
}

#[cfg(test)]
mod tests {
    use super::compressible_type;

    #[test]
    fn content_types() {
        for yes in [
            "",
            "text/plain; charset=utf-8",
            "application/json",
            "text/html",
            "image/svg+xml",
            "IMAGE/SVG+XML",
        ] {
            assert!(compressible_type(yes), "{yes}");
        }
        for no in [
            "text/event-stream",
            "Text/Event-Stream; charset=utf-8",
            "application/grpc",
            "application/grpc+proto",
            "application/grpc-web",
            "image/png",
            "Image/JPEG",
        ] {
            assert!(!compressible_type(no), "{no}");
        }
    }
}
