use std::time::{SystemTime, UNIX_EPOCH};

use axum::body::Body;
use http::header::{AUTHORIZATION, WWW_AUTHENTICATE};
use http::{Method, Request, Response, StatusCode};
use jsonwebtoken::{EncodingKey, Header, encode};
use serde_json::json;
use tower::{ServiceExt, service_fn};
use tower_layer::Layer;

use super::{Algorithm, Claims, JwtLayer, JwtPolicy};
use crate::paths::PathList;
use crate::test_util::body_string;

const SECRET: &str = "0123456789abcdef0123456789abcdef";
const RSA_PRIVATE: &[u8] = include_bytes!("../../../tests/fixtures/jwt_rs256_private.pem");
const RSA_PUBLIC: &[u8] = include_bytes!("../../../tests/fixtures/jwt_rs256_public.pem");
const EC_PRIVATE: &[u8] = include_bytes!("../../../tests/fixtures/jwt_es256_private.pem");
const EC_PUBLIC: &[u8] = include_bytes!("../../../tests/fixtures/jwt_es256_public.pem");

static HS: JwtPolicy = JwtPolicy {
    algorithms: &[Algorithm::HS256],
    public_paths: PathList {
        exact: &["/health"],
        subtrees: &[],
    },
    leeway: 0,
    audience: None,
    issuer: None,
};
static RS: JwtPolicy = JwtPolicy {
    algorithms: &[Algorithm::RS256],
    ..HS
};
static ES: JwtPolicy = JwtPolicy {
    algorithms: &[Algorithm::ES256],
    ..HS
};
static AUDIENCE: JwtPolicy = JwtPolicy {
    audience: Some("api"),
    issuer: Some("https://issuer.example"),
    leeway: 30,
    ..HS
};

fn now() -> u64 {
    SystemTime::now().duration_since(UNIX_EPOCH).unwrap().as_secs()
}

fn hs(claims: serde_json::Value) -> String {
    encode(
        &Header::new(Algorithm::HS256),
        &claims,
        &EncodingKey::from_secret(SECRET.as_bytes()),
    )
    .unwrap()
}

/// The inner service answers with the `sub` it found in the claims.
fn echo_subject()
-> impl tower_service::Service<Request<Body>, Response = Response<Body>, Error = std::convert::Infallible> + Clone {
    service_fn(|request: Request<Body>| async move {
        let subject = request
            .extensions()
            .get::<Claims>()
            .map_or("no claims".to_string(), |c| c.subject().unwrap_or("no sub").to_string());
        Ok(Response::new(Body::from(subject)))
    })
}

async fn call(layer: JwtLayer, method: Method, path: &str, authorization: Option<&str>) -> Response<Body> {
    let mut builder = Request::builder().method(method).uri(path);
    if let Some(value) = authorization {
        builder = builder.header(AUTHORIZATION, value);
    }
    layer
        .layer(echo_subject())
        .oneshot(builder.body(Body::empty()).unwrap())
        .await
        .unwrap()
}

fn hs_layer(policy: &'static JwtPolicy) -> JwtLayer {
    JwtLayer::with_secret(policy, SECRET, "JWT_SECRET").unwrap()
}

async fn assert_refused(response: Response<Body>, detail: &str) {
    assert_eq!(response.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(response.headers()[WWW_AUTHENTICATE], "Bearer");
    assert_eq!(body_string(response).await, format!(r#"{{"detail":"{detail}"}}"#));
}

#[tokio::test]
async fn a_valid_token_passes_with_its_claims() {
    let token = hs(json!({"sub": "ann", "exp": now() + 60}));
    for scheme in ["Bearer", "bearer", "BEARER"] {
        let response = call(hs_layer(&HS), Method::GET, "/", Some(&format!("{scheme} {token}"))).await;
        assert_eq!(response.status(), StatusCode::OK);
        assert_eq!(body_string(response).await, "ann");
    }
}

#[tokio::test]
async fn missing_or_non_bearer_credentials_are_a_missing_token() {
    for authorization in [None, Some("Basic YWxhZGRpbjpvcGVuc2VzYW1l"), Some("Bearer"), Some("")] {
        assert_refused(
            call(hs_layer(&HS), Method::GET, "/", authorization).await,
            "Missing token",
        )
        .await;
    }
}

#[tokio::test]
async fn bad_tokens_are_invalid() {
    let expired = hs(json!({"sub": "ann", "exp": now() - 10}));
    let not_yet = hs(json!({"sub": "ann", "exp": now() + 600, "nbf": now() + 300}));
    let no_exp = hs(json!({"sub": "ann"}));
    let other_secret = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "ann", "exp": now() + 60}),
        &EncodingKey::from_secret(b"another secret another secret 32"),
    )
    .unwrap();
    let mut tampered = hs(json!({"sub": "ann", "exp": now() + 60}));
    tampered.insert(tampered.len() - 3, 'x');
    let not_an_object = hs(json!([1, 2]));
    for token in [
        expired,
        not_yet,
        no_exp,
        other_secret,
        tampered,
        not_an_object,
        "abc".into(),
        " ".into(),
    ] {
        let response = call(hs_layer(&HS), Method::GET, "/", Some(&format!("Bearer {token}"))).await;
        assert_refused(response, "Invalid token").await;
    }
}

#[tokio::test]
async fn alg_none_is_refused() {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::URL_SAFE_NO_PAD;
    let header = engine.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = engine.encode(json!({"sub": "admin", "exp": now() + 60}).to_string());
    for token in [format!("{header}.{payload}."), format!("{header}.{payload}")] {
        let response = call(hs_layer(&HS), Method::GET, "/", Some(&format!("Bearer {token}"))).await;
        assert_refused(response, "Invalid token").await;
    }
}

#[tokio::test]
async fn rs256_and_es256_verify_with_the_public_key() {
    let claims = json!({"sub": "rsa-user", "exp": now() + 60});
    let token = encode(
        &Header::new(Algorithm::RS256),
        &claims,
        &EncodingKey::from_rsa_pem(RSA_PRIVATE).unwrap(),
    )
    .unwrap();
    let layer = JwtLayer::with_public_key(&RS, RSA_PUBLIC, "rsa.pem");
    let response = call(layer, Method::GET, "/", Some(&format!("Bearer {token}"))).await;
    assert_eq!(body_string(response).await, "rsa-user");

    let claims = json!({"sub": "ec-user", "exp": now() + 60});
    let token = encode(
        &Header::new(Algorithm::ES256),
        &claims,
        &EncodingKey::from_ec_pem(EC_PRIVATE).unwrap(),
    )
    .unwrap();
    let layer = JwtLayer::with_public_key(&ES, EC_PUBLIC, "ec.pem");
    let response = call(layer, Method::GET, "/", Some(&format!("Bearer {token}"))).await;
    assert_eq!(body_string(response).await, "ec-user");
}

#[tokio::test]
async fn algorithm_confusion_an_hs256_token_signed_with_the_public_key_is_refused() {
    // The classic attack: the attacker knows the RSA public key and uses it
    // as an HMAC secret, hoping the server lets the token's `alg` pick.
    let token = encode(
        &Header::new(Algorithm::HS256),
        &json!({"sub": "admin", "exp": now() + 60}),
        &EncodingKey::from_secret(RSA_PUBLIC),
    )
    .unwrap();
    let layer = JwtLayer::with_public_key(&RS, RSA_PUBLIC, "rsa.pem");
    let response = call(layer, Method::GET, "/", Some(&format!("Bearer {token}"))).await;
    assert_refused(response, "Invalid token").await;
}

#[tokio::test]
async fn audience_issuer_and_leeway() {
    let good = hs(json!({"sub": "ann", "exp": now() - 10, "aud": "api", "iss": "https://issuer.example"}));
    let response = call(hs_layer(&AUDIENCE), Method::GET, "/", Some(&format!("Bearer {good}"))).await;
    assert_eq!(
        response.status(),
        StatusCode::OK,
        "10 s past exp is within the 30 s leeway"
    );
    for claims in [
        json!({"exp": now() + 60, "aud": "other", "iss": "https://issuer.example"}),
        json!({"exp": now() + 60, "aud": "api", "iss": "https://evil.example"}),
        json!({"exp": now() + 60, "iss": "https://issuer.example"}),
        json!({"exp": now() - 60, "aud": "api", "iss": "https://issuer.example"}),
    ] {
        let token = hs(claims.clone());
        let response = call(hs_layer(&AUDIENCE), Method::GET, "/", Some(&format!("Bearer {token}"))).await;
        assert_eq!(response.status(), StatusCode::UNAUTHORIZED, "{claims}");
    }
}

#[tokio::test]
async fn without_an_audience_configured_a_token_carrying_aud_is_refused() {
    let plain = hs(json!({"sub": "ann", "exp": now() + 60}));
    let response = call(hs_layer(&HS), Method::GET, "/", Some(&format!("Bearer {plain}"))).await;
    assert_eq!(body_string(response).await, "ann");
    for aud in [
        json!("other-service"),
        json!(["other-service"]),
        json!("api"),
        json!([]),
    ] {
        let token = hs(json!({"sub": "ann", "exp": now() + 60, "aud": aud}));
        let response = call(hs_layer(&HS), Method::GET, "/", Some(&format!("Bearer {token}"))).await;
        assert_refused(response, "Invalid token").await;
    }
    // With the audience configured, an array naming it passes.
    let token = hs(json!({"sub": "ann", "exp": now() + 60, "aud": ["other", "api"], "iss": "https://issuer.example"}));
    let response = call(hs_layer(&AUDIENCE), Method::GET, "/", Some(&format!("Bearer {token}"))).await;
    assert_eq!(body_string(response).await, "ann");
}

#[tokio::test]
async fn a_huge_leeway_is_clamped_to_five_minutes_and_never_underflows() {
    static HUGE: JwtPolicy = JwtPolicy { leeway: u64::MAX, ..HS };
    let within = hs(json!({"sub": "ann", "exp": now() - 200}));
    let response = call(hs_layer(&HUGE), Method::GET, "/", Some(&format!("Bearer {within}"))).await;
    assert_eq!(body_string(response).await, "ann");
    for claims in [
        json!({"sub": "ann", "exp": now() - 400}),
        json!({"sub": "ann", "exp": now() + 60, "nbf": now() + 400}),
        json!({"sub": "ann", "exp": 0}),
        json!({"sub": "ann", "exp": u64::MAX, "nbf": u64::MAX}),
    ] {
        let token = hs(claims);
        let response = call(hs_layer(&HUGE), Method::GET, "/", Some(&format!("Bearer {token}"))).await;
        assert_refused(response, "Invalid token").await;
    }
}

#[tokio::test]
async fn only_public_paths_pass_without_claims() {
    let response = call(hs_layer(&HS), Method::GET, "/health/", None).await;
    assert_eq!(body_string(response).await, "no claims");
    let response = call(hs_layer(&HS), Method::OPTIONS, "/health", None).await;
    assert_eq!(body_string(response).await, "no claims");
    // No method is exempt.
    for method in [Method::OPTIONS, Method::HEAD, Method::from_bytes(b"PURGE").unwrap()] {
        assert_refused(call(hs_layer(&HS), method, "/private", None).await, "Missing token").await;
    }
}

#[test]
fn a_short_secret_is_refused_at_start_up_naming_the_variable() {
    let error = JwtLayer::with_secret(&HS, "tiny-secret", "JWT_SECRET").unwrap_err();
    assert!(error.to_string().contains("`JWT_SECRET`"), "{error}");
    assert!(
        !error.to_string().contains("tiny-secret"),
        "the secret is never echoed: {error}"
    );
}

#[test]
fn claims_have_typed_accessors() {
    #[derive(serde::Deserialize)]
    struct Mine {
        sub: String,
        admin: bool,
    }
    let claims = Claims::new(json!({"sub": "ann", "admin": true, "n": 3}));
    assert_eq!(claims.get::<u32>("n"), Some(3));
    assert_eq!(claims.get::<String>("n"), None);
    assert_eq!(claims.get::<bool>("missing"), None);
    let mine: Mine = claims.deserialize().unwrap();
    assert_eq!((mine.sub.as_str(), mine.admin), ("ann", true));
}
