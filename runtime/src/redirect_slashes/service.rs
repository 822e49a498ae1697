use std::convert::Infallible;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use axum::Router;
use axum::body::Body;
use axum::extract::Request;
use axum::response::Response;
use axum::routing::future::RouteFuture;
use http::header::LOCATION;
use http::uri::PathAndQuery;
use http::{HeaderValue, StatusCode, Uri};
use pin_project_lite::pin_project;
use tower_service::Service;

use super::{SlashMode, other_form};
use crate::route::{ProbeFuture, RouteProbe};

/// The router's fallback under `redirect_slashes`: reached only by requests
/// that matched no route; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct SlashFallback {
    probe: RouteProbe,
    /// The app's router as the user built it: the other form's route, and
    /// the app's own fallback.
    app: Router,
    mode: SlashMode,
}

impl SlashFallback {
    pub(super) fn new(probe: RouteProbe, app: Router, mode: SlashMode) -> Self {
        Self { probe, app, mode }
    }
}

impl Service<Request> for SlashFallback {
    type Response = Response;
    type Error = Infallible;
    type Future = ResponseFuture;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        // Both routers are always ready.
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, request: Request) -> Self::Future {
        let Some(other) = other_form(request.uri().path()) else {
            return ResponseFuture::forward(self.app.call(request));
        };
        let probe = self.probe.matches(request.method(), &other);
        ResponseFuture {
            state: State::Probing {
                probe,
                pending: Some(Pending {
                    request,
                    other,
                    app: self.app.clone(),
                    mode: self.mode,
                }),
            },
        }
    }
}

/// What the probe's answer decides about.
#[derive(Debug)]
struct Pending {
    request: Request,
    other: String,
    app: Router,
    mode: SlashMode,
}

/// What becomes of a request that matched no route.
enum Decision {
    /// The redirect, made here.
    Answer(Response),
    /// The app's router answers: the other form's route, or the app's fallback.
    Forward(RouteFuture<Infallible>),
}

impl Pending {
    fn decide(self, other_form_matches: bool) -> Decision {
        let Pending {
            mut request,
            other,
            mut app,
            mode,
        } = self;
        if !other_form_matches {
            return Decision::Forward(app.call(request));
        }
        let target = match request.uri().query() {
            Some(query) => format!("{other}?{query}"),
            None => other,
        };
        match mode {
            SlashMode::Redirect => match HeaderValue::try_from(target) {
                Ok(location) => {
                    let mut response = Response::new(Body::empty());
                    *response.status_mut() = StatusCode::TEMPORARY_REDIRECT;
                    response.headers_mut().insert(LOCATION, location);
                    Decision::Answer(response)
                }
                Err(_) => Decision::Forward(app.call(request)),
            },
            SlashMode::Trim => {
                if let Some(uri) = with_path_and_query(request.uri(), &target) {
                    *request.uri_mut() = uri;
                }
                Decision::Forward(app.call(request))
            }
        }
    }
}

fn with_path_and_query(uri: &Uri, path_and_query: &str) -> Option<Uri> {
    let mut parts = uri.clone().into_parts();
    parts.path_and_query = Some(PathAndQuery::try_from(path_and_query).ok()?);
    Uri::from_parts(parts).ok()
}

pin_project! {
    /// Response future of [`SlashFallback`]: the probe of the other form,
    /// then the redirect or the app's router.
    pub struct ResponseFuture {
        #[pin]
        state: State,
    }
}

pin_project! {
    #[project = StateProj]
    enum State {
        Probing {
            #[pin]
            probe: ProbeFuture,
            pending: Option<Pending>,
        },
        Forwarding {
            #[pin]
            future: RouteFuture<Infallible>,
        },
    }
}

impl ResponseFuture {
    fn forward(future: RouteFuture<Infallible>) -> Self {
        Self {
            state: State::Forwarding { future },
        }
    }
}

impl std::fmt::Debug for ResponseFuture {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ResponseFuture").finish_non_exhaustive()
    }
}

impl Future for ResponseFuture {
    type Output = Result<Response, Infallible>;

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
        loop {
            let future = match self.as_mut().project().state.project() {
                StateProj::Forwarding { future } => return future.poll(cx),
                StateProj::Probing { probe, pending } => {
                    let other_form_matches = ready!(probe.poll(cx));
                    let Some(pending) = pending.take() else {
                        panic!("strata response future polled after completion");
                    };
                    match pending.decide(other_form_matches) {
                        Decision::Answer(response) => return Poll::Ready(Ok(response)),
                        Decision::Forward(future) => future,
                    }
                }
            };
            self.as_mut().project().state.set(State::Forwarding { future });
        }
    }
}
