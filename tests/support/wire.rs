//! Requests no well-behaved client library sends: raw bytes over a TCP
//! socket (absolute-form targets, HTTP/1.0 without `Host`, duplicate
//! headers), and HTTP/2 with prior knowledge (h2c), where the host and the
//! scheme travel as `:authority` and `:scheme`.

use super::{Received, Request};
use bytes::Bytes;
use http_body_util::BodyExt;
use hyper::client::conn::http2;
use hyper_util::rt::{TokioExecutor, TokioIo};
use std::net::SocketAddr;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

/// Writes `head` (request line and headers, `\r\n`-separated, without the
/// blank line) as it is, with `Connection: close`, and reads the whole
/// response. Headers are parsed leniently; the body is what follows them.
pub async fn raw(address: SocketAddr, head: &str) -> Received {
    let mut stream = TcpStream::connect(address).await.unwrap();
    let request = format!("{head}\r\nConnection: close\r\n\r\n");
    stream.write_all(request.as_bytes()).await.unwrap();
    let mut bytes = Vec::new();
    stream.read_to_end(&mut bytes).await.unwrap();
    let text = String::from_utf8_lossy(&bytes).into_owned();
    let (head, body) = text.split_once("\r\n\r\n").unwrap_or((&text, ""));
    let mut lines = head.split("\r\n");
    let status_line = lines.next().unwrap_or_default();
    let status = status_line
        .split(' ')
        .nth(1)
        .and_then(|code| code.parse::<u16>().ok())
        .unwrap_or_else(|| panic!("no status line in {text:?}"));
    let mut headers = http::HeaderMap::new();
    for line in lines {
        if let Some((name, value)) = line.split_once(':')
            && let (Ok(name), Ok(value)) = (
                http::HeaderName::from_bytes(name.trim().as_bytes()),
                http::HeaderValue::from_str(value.trim()),
            )
        {
            headers.append(name, value);
        }
    }
    Received {
        status: http::StatusCode::from_u16(status).unwrap(),
        headers,
        body: Bytes::from(body.to_owned()),
    }
}

/// Sends `request` over HTTP/2 with prior knowledge on a plain TCP
/// connection. The URI must be absolute: its authority becomes `:authority`
/// and its scheme `:scheme`; a `host` header, if set, is sent as well.
pub async fn h2(address: SocketAddr, request: Request) -> Received {
    let stream = TcpStream::connect(address).await.unwrap();
    let (mut sender, connection) = http2::handshake(TokioExecutor::new(), TokioIo::new(stream))
        .await
        .unwrap();
    tokio::spawn(connection);
    let response = sender.send_request(request).await.unwrap();
    assert_eq!(response.version(), http::Version::HTTP_2);
    let (parts, body) = response.into_parts();
    let body = body.collect().await.unwrap().to_bytes();
    Received {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}
