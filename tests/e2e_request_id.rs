//! End to end over real sockets: `request_id` and what a handler sees. The
//! ID in the request header, the `RequestId` extension and the response
//! header are always the same one, also when the client sent garbage.

mod support;

use axum::Router;
use axum::http::{HeaderMap, StatusCode};
use axum::routing::get;
use support::{Received, empty, request, send, serve};

/// Every `x-request-id` value the handler saw in the request, then the extension's ID.
async fn echo(headers: HeaderMap, id: strata::RequestId) -> String {
    let seen: Vec<String> = headers
        .get_all("x-request-id")
        .iter()
        .map(|value| String::from_utf8_lossy(value.as_bytes()).into_owned())
        .collect();
    format!("{}\n{}", seen.join(" | "), id.as_str())
}

#[strata::stack(request_id)]
fn app() -> Router {
    Router::new().route("/", get(echo))
}

/// The ID the handler read from the request header, and the extension's.
fn seen(response: &Received) -> (&str, &str) {
    response.text().split_once('\n').expect("two lines")
}

fn is_uuid_v4(text: &str) -> bool {
    text.len() == 36 && text.as_bytes()[14] == b'4' && text.bytes().all(|b| b == b'-' || b.is_ascii_hexdigit())
}

#[tokio::test]
async fn attack_an_invalid_incoming_id_is_replaced_in_the_request_header_too() {
    let address = serve(app()).await;
    let too_long = "a".repeat(200);
    let invalid: [&[u8]; 4] = [too_long.as_bytes(), b"tab\there", b"caf\xe9", b"two words"];
    for value in invalid {
        let response = send(
            address,
            empty(request("GET", "/").header("x-request-id", http::HeaderValue::from_bytes(value).unwrap())),
        )
        .await;
        assert_eq!(response.status, StatusCode::OK);
        let returned = response.header("x-request-id").unwrap().to_owned();
        let (in_header, in_extension) = seen(&response);
        assert!(is_uuid_v4(&returned), "{value:?} gave {returned}");
        assert_eq!(
            in_header, returned,
            "the handler read the attacker's header for {value:?}"
        );
        assert_eq!(in_extension, returned);
    }
}

#[tokio::test]
async fn a_valid_incoming_id_is_kept_everywhere_and_a_second_copy_dropped() {
    let address = serve(app()).await;
    let response = send(
        address,
        empty(request("GET", "/").header("x-request-id", "caller-id-42")),
    )
    .await;
    assert_eq!(response.header("x-request-id"), Some("caller-id-42"));
    assert_eq!(seen(&response), ("caller-id-42", "caller-id-42"));
    let response = send(
        address,
        empty(
            request("GET", "/")
                .header("x-request-id", "caller-id-42")
                .header("x-request-id", "smuggled"),
        ),
    )
    .await;
    assert_eq!(response.header("x-request-id"), Some("caller-id-42"));
    assert_eq!(seen(&response), ("caller-id-42", "caller-id-42"));
    // No ID at all: the generated one is in the request header too.
    let response = send(address, empty(request("GET", "/"))).await;
    let returned = response.header("x-request-id").unwrap().to_owned();
    assert!(is_uuid_v4(&returned), "{returned}");
    assert_eq!(seen(&response), (returned.as_str(), returned.as_str()));
}
