//! [`Stack`]: what a `#[strata::stack]` function returns — the whole
//! compiled stack, servable as it is.
//!
//! `axum::serve(listener, app())` works directly, like a `Router`, and the
//! stack still learns each client's address: as a make-service (axum's
//! `Service<IncomingStream>`), a `Stack` hands every connection a copy of
//! itself that knows the peer, and puts `ConnectInfo<SocketAddr>` into each
//! request (unless one is there already, e.g. from
//! `into_make_service_with_connect_info` or axum's `MockConnectInfo`).
//! `strata::serve(listener, app())` is the same thing in one call.
//!
//! The wrapper is a struct, not a layer: it adds no future of its own, and
//! on the request path it costs one branch, plus the extension insert that
//! connect info costs in any axum app.

use std::convert::Infallible;
use std::future::{Ready, ready};
use std::net::SocketAddr;
use std::task::{Context, Poll};

use axum::extract::ConnectInfo;
use axum::serve::{IncomingStream, Listener};
use tower_service::Service;

/// A compiled stack; see the [module docs](self).
#[derive(Clone, Debug)]
pub struct Stack<S> {
    service: S,
    peer: Option<SocketAddr>,
}

impl<S> Stack<S> {
    /// Wraps the outermost layer's service (what generated code does).
    pub const fn new(service: S) -> Self {
        Stack { service, peer: None }
    }

    /// The stack itself, as built.
    pub fn into_inner(self) -> S {
        self.service
    }
}

impl<S, B> Service<http::Request<B>> for Stack<S>
where
    S: Service<http::Request<B>>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = S::Future;

    #[inline]
    fn poll_ready(&mut self, cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        self.service.poll_ready(cx)
    }

    #[inline]
    fn call(&mut self, mut request: http::Request<B>) -> Self::Future {
        if let Some(peer) = self.peer
            && request.extensions().get::<ConnectInfo<SocketAddr>>().is_none()
        {
            request.extensions_mut().insert(ConnectInfo(peer));
        }
        self.service.call(request)
    }
}

/// As a make-service: each connection gets a copy that knows its peer.
impl<S, L> Service<IncomingStream<'_, L>> for Stack<S>
where
    S: Clone,
    L: Listener<Addr = SocketAddr>,
{
    type Response = Stack<S>;
    type Error = Infallible;
    type Future = Ready<Result<Stack<S>, Infallible>>;

    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Infallible>> {
        Poll::Ready(Ok(()))
    }

    fn call(&mut self, stream: IncomingStream<'_, L>) -> Self::Future {
        ready(Ok(Stack {
            service: self.service.clone(),
            peer: Some(*stream.remote_addr()),
        }))
    }
}
