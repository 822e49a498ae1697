use axum::body::Body;
use http::header::{CONTENT_TYPE, USER_AGENT};
use http::{Request, StatusCode};
use tower::ServiceExt;
use tower_layer::Layer;

use super::{BlockLayer, BlockPolicy};
use crate::test_util::{body_string, ok_service};

static POLICY: BlockPolicy = BlockPolicy {
    user_agent_prefixes: &["curl/", "badbot"],
    status: 410,
    body: r#"{"detail":"Gone"}"#,
};

async fn call(agent: Option<&str>) -> http::Response<Body> {
    let mut builder = Request::builder().uri("/");
    if let Some(agent) = agent {
        builder = builder.header(USER_AGENT, agent);
    }
    BlockLayer::new(&POLICY)
        .layer(ok_service())
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

#[tokio::test]
async fn matching_prefixes_are_refused_with_json() {
    for agent in ["curl/8.5.0", "Curl/7", "BadBot/2.1 (+http://x)", "badbot"] {
        let response = call(Some(agent)).await;
        assert_eq!(response.status(), StatusCode::GONE, "{agent}");
        assert_eq!(response.headers()[CONTENT_TYPE], "application/json");
        assert_eq!(body_string(response).await, r#"{"detail":"Gone"}"#);
    }
}

#[tokio::test]
async fn other_clients_pass() {
    for agent in [Some("Mozilla/5.0"), Some("curl"), Some("xcurl/1"), Some(""), None] {
        let response = call(agent).await;
        assert_eq!(response.status(), StatusCode::OK, "{agent:?}");
        assert_eq!(body_string(response).await, "inner");
    }
}
