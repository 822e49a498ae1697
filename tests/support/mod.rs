//! Real sockets for end-to-end tests: serve a stack on loopback exactly as a
//! user would (`axum::serve` with connect info), and talk HTTP/1.1 to it with
//! hyper's client so that any header — a hostile Host included — can be sent.
#![allow(dead_code)]

pub mod redis;
pub mod wire;

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1;
use hyper_util::rt::TokioIo;
use std::convert::Infallible;
use std::net::SocketAddr;
use tokio::net::{TcpListener, TcpStream};

pub type Request = http::Request<Full<Bytes>>;

/// Serves `service` on 127.0.0.1 with an ephemeral port, in the background.
pub async fn serve<S>(service: S) -> SocketAddr
where
    S: tower::Service<axum::extract::Request, Response = axum::response::Response, Error = Infallible>
        + Clone
        + Send
        + 'static,
    S::Future: Send,
{
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let address = listener.local_addr().unwrap();
    let make = axum::ServiceExt::<axum::extract::Request>::into_make_service_with_connect_info::<SocketAddr>(service);
    tokio::spawn(async move {
        axum::serve(listener, make).await.unwrap();
    });
    address
}

/// A request builder; `send` adds `Host: localhost` when the test sets none,
/// the way curl would.
pub fn request(method: &str, path: &str) -> http::request::Builder {
    http::Request::builder().method(method).uri(path)
}

pub fn empty(builder: http::request::Builder) -> Request {
    builder.body(Full::new(Bytes::new())).unwrap()
}

/// Opens a connection and sends one request; returns the response head and
/// its body, still streaming.
pub async fn send_streaming(address: SocketAddr, mut request: Request) -> http::Response<hyper::body::Incoming> {
    if !request.headers().contains_key("host") {
        request
            .headers_mut()
            .insert("host", http::HeaderValue::from_static("localhost"));
    }
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = http1::handshake(TokioIo::new(stream)).await.unwrap();
    tokio::spawn(connection);
    sender.send_request(request).await.unwrap()
}

/// A whole response: status, headers, and the body as received on the wire.
pub struct Received {
    pub status: http::StatusCode,
    pub headers: http::HeaderMap,
    pub body: Bytes,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(|value| value.to_str().unwrap())
    }

    pub fn all(&self, name: &str) -> Vec<&str> {
        self.headers
            .get_all(name)
            .iter()
            .map(|value| value.to_str().unwrap())
            .collect()
    }

    pub fn text(&self) -> &str {
        std::str::from_utf8(&self.body).unwrap()
    }
}

pub async fn send(address: SocketAddr, request: Request) -> Received {
    let response = send_streaming(address, request).await;
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Received {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}
