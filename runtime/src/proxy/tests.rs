use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use http::{HeaderMap, Request, Response};
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{Cidr, ClientInfo, ForwardedHeaders, ProxyLayer, ProxyPolicy, Scheme, Trust};

/// 127.0.0.0/8, mapped.
const LOOPBACK: Cidr = Cidr {
    bytes: [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 127, 0, 0, 0],
    prefix: 104,
};

static TRUST_LOOPBACK: ProxyPolicy = ProxyPolicy {
    trust: Trust::Proxies(&[LOOPBACK]),
    headers: ForwardedHeaders::XForwarded,
};

static TRUST_LOOPBACK_RFC: ProxyPolicy = ProxyPolicy {
    trust: Trust::Proxies(&[LOOPBACK]),
    headers: ForwardedHeaders::Forwarded,
};

static ONE_HOP: ProxyPolicy = ProxyPolicy {
    trust: Trust::Hops(1),
    headers: ForwardedHeaders::XForwarded,
};

const FORWARDING: &[(&str, &str)] = &[
    ("x-forwarded-for", "198.51.100.7"),
    ("x-forwarded-proto", "https"),
    ("x-forwarded-host", "api.example.com"),
    ("x-forwarded-port", "443"),
    ("x-real-ip", "198.51.100.7"),
    ("forwarded", "for=198.51.100.8;proto=https;host=rfc.example.com"),
    ("host", "internal:8080"),
];

/// What the inner service saw: the `ClientInfo` and the headers.
async fn seen(policy: &'static ProxyPolicy, peer: Option<&str>) -> (ClientInfo, HeaderMap) {
    let mut request = Request::builder().uri("/x");
    for (name, value) in FORWARDING {
        request = request.header(*name, *value);
    }
    let mut request = request.body(Body::empty()).unwrap();
    if let Some(peer) = peer {
        let address: SocketAddr = peer.parse().unwrap();
        request.extensions_mut().insert(ConnectInfo(address));
    }
    let inner = service_fn(|request: Request<Body>| async move {
        let info = request
            .extensions()
            .get::<ClientInfo>()
            .cloned()
            .expect("the proxy layer publishes ClientInfo");
        Ok::<_, std::convert::Infallible>((info, request.headers().clone()))
    });
    let service = ProxyLayer::new(policy).layer(inner);
    service.oneshot(request).await.unwrap()
}

#[tokio::test]
async fn a_trusted_peer_is_believed_and_the_other_family_removed() {
    let (info, headers) = seen(&TRUST_LOOPBACK, Some("127.0.0.1:5000")).await;
    assert_eq!(info.ip, Some("198.51.100.7".parse().unwrap()));
    assert_eq!(info.scheme, Scheme::Https);
    assert_eq!(info.host.as_deref(), Some("api.example.com"));
    assert!(headers.contains_key("x-forwarded-for"));
    assert!(headers.contains_key("x-real-ip"));
    assert!(
        !headers.contains_key("forwarded"),
        "a client's Forwarded passed through by the proxy"
    );

    let (info, headers) = seen(&TRUST_LOOPBACK_RFC, Some("127.0.0.1:5000")).await;
    assert_eq!(info.ip, Some("198.51.100.8".parse().unwrap()));
    assert_eq!(info.host.as_deref(), Some("rfc.example.com"));
    assert!(headers.contains_key("forwarded"));
    assert!(!headers.contains_key("x-forwarded-for"));
    assert!(!headers.contains_key("x-forwarded-port"));
}

#[tokio::test]
async fn an_untrusted_peer_is_the_client_and_its_headers_are_removed() {
    for policy in [&TRUST_LOOPBACK, &TRUST_LOOPBACK_RFC] {
        let (info, headers) = seen(policy, Some("203.0.113.9:5000")).await;
        assert_eq!(
            info,
            ClientInfo {
                ip: Some("203.0.113.9".parse().unwrap()),
                scheme: Scheme::Http,
                host: Some("internal:8080".into()),
            }
        );
        for name in [
            "x-forwarded-for",
            "x-forwarded-proto",
            "x-forwarded-host",
            "x-forwarded-port",
            "x-real-ip",
            "forwarded",
        ] {
            assert!(!headers.contains_key(name), "{name} reached the app");
        }
        assert_eq!(headers["host"], "internal:8080");
    }
    // No connect info: no peer can be trusted by address.
    let (info, headers) = seen(&TRUST_LOOPBACK, None).await;
    assert_eq!(info.ip, None);
    assert!(!headers.contains_key("x-forwarded-for"));
}

#[tokio::test]
async fn hops_trust_the_chain_not_the_peer() {
    let (info, _) = seen(&ONE_HOP, Some("203.0.113.9:5000")).await;
    assert_eq!(info.ip, Some("198.51.100.7".parse().unwrap()));
    assert_eq!(info.scheme, Scheme::Https);
}

#[tokio::test]
async fn a_clientinfo_from_a_tls_server_is_the_connection() {
    let mut request = Request::builder()
        .uri("/")
        .header("host", "a.test")
        .body(Body::empty())
        .unwrap();
    request.extensions_mut().insert(ClientInfo {
        ip: Some("203.0.113.9".parse().unwrap()),
        scheme: Scheme::Https,
        host: None,
    });
    let inner = service_fn(|request: Request<Body>| async move {
        Ok::<_, std::convert::Infallible>(Response::new(request.extensions().get::<ClientInfo>().cloned()))
    });
    let info = ProxyLayer::new(&TRUST_LOOPBACK)
        .layer(inner)
        .oneshot(request)
        .await
        .unwrap()
        .into_body();
    let info = info.expect("ClientInfo published");
    assert_eq!(info.scheme, Scheme::Https);
    assert_eq!(info.ip, Some("203.0.113.9".parse().unwrap()));
    assert_eq!(
        info.host.as_deref(),
        Some("a.test"),
        "the request's own host fills the gap"
    );
}
