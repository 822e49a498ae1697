//! The build.rs-generated stack, served on a real socket: the dev profile's
//! overrides are in effect (any host, the local front-end origin, Server-Timing).

use bytes::Bytes;
use http_body_util::{BodyExt, Empty};
use hyper_util::rt::TokioIo;
use std::net::SocketAddr;

async fn get(address: SocketAddr, host: &str, origin: &str) -> http::Response<Bytes> {
    let stream = tokio::net::TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let request = http::Request::get("/")
        .header("host", host)
        .header("origin", origin)
        .body(Empty::<Bytes>::new())
        .unwrap();
    let response = sender.send_request(request).await.unwrap();
    let (parts, body) = response.into_parts();
    http::Response::from_parts(parts, body.collect().await.unwrap().to_bytes())
}

#[tokio::test]
async fn the_dev_profile_stack_serves() {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let app = toml_stack_example::stack(toml_stack_example::routes());
    let service = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(app);
    tokio::spawn(async move { axum::serve(listener, service).await.unwrap() });

    // trusted_host is off in dev: any Host is served.
    let response = get(address, "anything.test", "http://localhost:3000").await;
    assert_eq!(response.status(), 200);
    assert_eq!(response.body(), "hello from the TOML stack\n");
    // The dev origin replaced the base one.
    assert_eq!(
        response.headers()["access-control-allow-origin"],
        "http://localhost:3000"
    );
    assert!(response.headers().contains_key("x-request-id"));
    assert!(response.headers().contains_key("x-process-time"));
    // timing.server_timing = true in dev.
    assert!(
        response.headers()["server-timing"]
            .to_str()
            .unwrap()
            .starts_with("app;dur=")
    );

    let base_origin = get(address, "anything.test", "https://app.example.com").await;
    assert!(!base_origin.headers().contains_key("access-control-allow-origin"));
}
