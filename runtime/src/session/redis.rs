//! The Redis session store (`store = "redis"`); see the [module docs](super).

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, ready};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use bytes::Bytes;
use http::{Request, Response, StatusCode};
use pin_project_lite::pin_project;
use serde_json::{Map, Value};
use tower_layer::Layer;
use tower_service::Service;

use super::cookie::{
    Signer, cookie_failure, due_for_renewal, finish_response, now, request_cookies, secure_for, set_cookie,
};
use super::handle::State;
use super::layer::signer;
use super::{Session, SessionPolicy};
use crate::env::MissingEnv;
use crate::redis_backend::{BackendError, BackendFuture, RedisBackend};
use crate::response::{APPLICATION_JSON, fixed};

/// Layer applying [`RedisSession`]; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct RedisSessionLayer {
    policy: &'static SessionPolicy,
    signer: Signer,
    backend: Arc<RedisBackend>,
}

impl RedisSessionLayer {
    /// A Redis-store layer: cookies signed with `secret` (from the variable
    /// `secret_variable`), data in the Redis at `url` (from `url_variable`).
    pub fn new(
        policy: &'static SessionPolicy,
        secret: &str,
        secret_variable: &'static str,
        url: &str,
        url_variable: &'static str,
    ) -> Result<Self, MissingEnv> {
        Ok(Self {
            policy,
            signer: signer(secret, secret_variable)?,
            backend: Arc::new(RedisBackend::new(url, url_variable, "session.redis_url_env")?),
        })
    }
}

impl<S> Layer<S> for RedisSessionLayer {
    type Service = RedisSession<S>;

    fn layer(&self, inner: S) -> Self::Service {
        RedisSession {
            inner,
            layer: self.clone(),
        }
    }
}

/// Middleware giving every request a [`Session`] stored in Redis.
#[derive(Clone, Debug)]
pub struct RedisSession<S> {
    inner: S,
    layer: RedisSessionLayer,
}

fn redis_key(id: &str) -> String {
    format!("strata:session:{id}")
}

/// The signed cookie value: the session ID and when the cookie was issued.
fn cookie_value(signer: &Signer, name: &str, id: &str, issued: u64) -> String {
    signer.sign(name, &format!("{id}.{issued}"))
}

/// The ID and issue time of a verified cookie value. IDs are base64url, so
/// never contain `.`; a value from before the issue time was signed in
/// counts as issued at 0 and is renewed on its next response.
fn parse_cookie_value(verified: &str) -> Option<(String, u64)> {
    match verified.split_once('.') {
        Some((id, issued)) => Some((id.to_owned(), issued.parse().ok()?)),
        None => Some((verified.to_owned(), 0)),
    }
}

/// A fresh session ID: 256 bits from the operating system's CSPRNG.
fn new_id() -> String {
    let mut bytes = [0u8; 32];
    #[allow(
        clippy::expect_used,
        reason = "a session ID must be unguessable: without the operating system's randomness there is none to give (`uuid`'s v4 panicked the same way)"
    )]
    crate::random::fill(&mut bytes).expect("the operating system's random source failed");
    URL_SAFE_NO_PAD.encode(bytes)
}

fn unavailable<B: From<Bytes>>(error: &BackendError) -> Response<B> {
    tracing::error!(target: "strata::session", error = %error, "session store unavailable");
    fixed(
        StatusCode::SERVICE_UNAVAILABLE,
        APPLICATION_JSON,
        r#"{"detail":"Session store unavailable"}"#,
    )
}

impl<S, ReqBody, ResBody> Service<Request<ReqBody>> for RedisSession<S>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>> + Clone,
    ResBody: From<Bytes>,
{
    type Response = Response<ResBody>;
    type Error = S::Error;
    type Future = ResponseFuture<S, ReqBody, ResBody>;

    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.inner.poll_ready(cx)
    }

    fn call(&mut self, request: Request<ReqBody>) -> Self::Future {
        let layer = &self.layer;
        let name = layer.policy.cookie;
        let mut had_cookie = false;
        let mut id = None;
        let mut issued = 0;
        for value in request_cookies(request.headers(), name) {
            had_cookie = true;
            if let Some((verified, at)) = layer.signer.verify(name, value).and_then(parse_cookie_value) {
                id = Some(verified);
                issued = at;
                break;
            }
        }
        let secure = secure_for(layer.policy, &request);
        // The ready service goes into the future; a clone stays for the next call.
        let clone = self.inner.clone();
        let inner = std::mem::replace(&mut self.inner, clone);
        let load = id.clone().map(|id| load(layer.backend.clone(), id));
        ResponseFuture {
            state: Stage::Loading {
                load,
                request: Some(request),
                inner: Some(inner),
            },
            id,
            issued,
            had_cookie,
            secure,
            loaded: false,
            session: Session::default(),
            layer: layer.clone(),
        }
    }
}

fn load(backend: Arc<RedisBackend>, id: String) -> BackendFuture<Option<Map<String, Value>>> {
    Box::pin(async move {
        let mut connection = backend.connection()?;
        let stored: Option<String> = backend
            .bounded(
                redis::cmd("GET")
                    .arg(redis_key(&id))
                    .query_async::<Option<String>>(&mut connection),
            )
            .await?;
        // Unparsable data is a session nobody can use: start empty.
        Ok(stored.and_then(|json| serde_json::from_str(&json).ok()))
    })
}

/// What the response's `Set-Cookie` becomes after saving.
enum CookieAction {
    /// No cookie: nothing changed, or nothing to clear.
    Keep,
    /// A cookie for this session ID, issued now.
    Set(String),
    Clear,
}

struct Save {
    backend: Arc<RedisBackend>,
    max_age: u64,
    /// The ID of a session that exists in Redis.
    stored_id: Option<String>,
    /// When the request's cookie was issued.
    issued: u64,
    state: State,
    had_cookie: bool,
}

fn save(save: Save) -> BackendFuture<CookieAction> {
    Box::pin(async move {
        let Save {
            backend,
            max_age,
            stored_id,
            issued,
            state,
            had_cookie,
        } = save;
        if !state.data.is_empty() && !state.changed && stored_id.is_some() && !due_for_renewal(issued, now(), max_age) {
            // Unchanged and recently issued: no cookie, no round trip.
            return Ok(CookieAction::Keep);
        }
        let mut connection = backend.connection()?;
        if state.data.is_empty() {
            if let Some(id) = &stored_id {
                backend
                    .bounded(redis::cmd("DEL").arg(redis_key(id)).query_async::<()>(&mut connection))
                    .await?;
            }
            return Ok(if had_cookie {
                CookieAction::Clear
            } else {
                CookieAction::Keep
            });
        }
        match stored_id {
            Some(id) if !state.changed => {
                // Rolling expiry, as the cookie store: more than half of
                // `max_age` has passed since the cookie was issued.
                backend
                    .bounded(
                        redis::cmd("EXPIRE")
                            .arg(redis_key(&id))
                            .arg(max_age)
                            .query_async::<()>(&mut connection),
                    )
                    .await?;
                Ok(CookieAction::Set(id))
            }
            stored_id => {
                let json = serde_json::to_string(&state.data).map_err(|e| BackendError(e.to_string()))?;
                // A new ID for a new session or on `renew()`: the client never chooses one.
                let id = match &stored_id {
                    Some(id) if !state.renew => id.clone(),
                    _ => new_id(),
                };
                backend
                    .bounded(
                        redis::cmd("SET")
                            .arg(redis_key(&id))
                            .arg(json)
                            .arg("EX")
                            .arg(max_age)
                            .query_async::<()>(&mut connection),
                    )
                    .await?;
                if let Some(old) = stored_id.filter(|old| *old != id) {
                    backend
                        .bounded(
                            redis::cmd("DEL")
                                .arg(redis_key(&old))
                                .query_async::<()>(&mut connection),
                        )
                        .await?;
                }
                Ok(CookieAction::Set(id))
            }
        }
    })
}

pin_project! {
    /// Response future of [`RedisSession`]: load, the inner service, save.
    pub struct ResponseFuture<S: Service<Request<ReqBody>>, ReqBody, ResBody> {
        #[pin]
        state: Stage<S, ReqBody, ResBody>,
        id: Option<String>,
        issued: u64,
        had_cookie: bool,
        // Whether the cookie carries `Secure`, decided from the request.
        secure: bool,
        loaded: bool,
        session: Session,
        layer: RedisSessionLayer,
    }
}

impl<S: Service<Request<ReqBody>>, ReqBody, ResBody> std::fmt::Debug for ResponseFuture<S, ReqBody, ResBody> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

pin_project! {
    #[project = StageProj]
    enum Stage<S: Service<Request<ReqBody>>, ReqBody, ResBody> {
        Loading {
            load: Option<BackendFuture<Option<Map<String, Value>>>>,
            request: Option<Request<ReqBody>>,
            inner: Option<S>,
        },
        Calling { #[pin] future: S::Future },
        Saving {
            save: BackendFuture<CookieAction>,
            response: Option<Response<ResBody>>,
            accessed: bool,
        },
    }
}

impl<S, ReqBody, ResBody> Future for ResponseFuture<S, ReqBody, ResBody>
where
    S: Service<Request<ReqBody>, Response = Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Output = Result<Response<ResBody>, S::Error>;

    fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        let mut this = self.project();
        loop {
            match this.state.as_mut().project() {
                StageProj::Loading { load, request, inner } => {
                    let data = match load {
                        Some(future) => match ready!(future.as_mut().poll(cx)) {
                            Ok(data) => data,
                            Err(error) => return Poll::Ready(Ok(unavailable(&error))),
                        },
                        None => None,
                    };
                    *this.loaded = data.is_some();
                    *this.session = Session::with_data(data.unwrap_or_default());
                    let (Some(mut request), Some(mut inner)) = (request.take(), inner.take()) else {
                        panic!("strata session future polled after completion");
                    };
                    request.extensions_mut().insert(this.session.clone());
                    let future = inner.call(request);
                    this.state.set(Stage::Calling { future });
                }
                StageProj::Calling { future } => {
                    let response = ready!(future.poll(cx))?;
                    let state = this.session.take_state();
                    let accessed = state.accessed;
                    let save = save(Save {
                        backend: this.layer.backend.clone(),
                        max_age: this.layer.policy.max_age,
                        stored_id: this.id.take().filter(|_| *this.loaded),
                        issued: *this.issued,
                        state,
                        had_cookie: *this.had_cookie,
                    });
                    this.state.set(Stage::Saving {
                        save,
                        response: Some(response),
                        accessed,
                    });
                }
                StageProj::Saving {
                    save,
                    response,
                    accessed,
                } => {
                    let action = ready!(save.as_mut().poll(cx));
                    let Some(mut response) = response.take() else {
                        panic!("strata session future polled after completion");
                    };
                    let policy = this.layer.policy;
                    let header = match action {
                        Err(error) => return Poll::Ready(Ok(unavailable(&error))),
                        Ok(CookieAction::Keep) => None,
                        Ok(CookieAction::Clear) => Some(set_cookie(policy, *this.secure, None)),
                        Ok(CookieAction::Set(id)) => {
                            let value = cookie_value(&this.layer.signer, policy.cookie, &id, now());
                            Some(set_cookie(policy, *this.secure, Some(&value)))
                        }
                    };
                    match header.transpose() {
                        Ok(header) => finish_response(&mut response, header, *accessed),
                        Err(error) => return Poll::Ready(Ok(cookie_failure(policy, error))),
                    }
                    return Poll::Ready(Ok(response));
                }
            }
        }
    }
}
