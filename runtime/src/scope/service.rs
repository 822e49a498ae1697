//! [`Switch`] and its arms.

use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::StatusCode;
use tower_service::Service;

use super::Scopes;
use super::future::{ArmFuture, ReadyCall};
use crate::response::{APPLICATION_JSON, fixed};

/// Sends each request down one arm, by its path; see the [module docs](super).
///
/// The arms are shared: cloning the switch (which hyper does for every
/// request, with the whole service) costs one reference count, and each
/// call clones only the arm it takes.
#[derive(Debug)]
pub struct Switch<A> {
    scopes: &'static Scopes,
    /// For each branch number, the arm that serves it.
    arm_of_branch: &'static [u8],
    arms: Arc<A>,
}

impl<A> Clone for Switch<A> {
    fn clone(&self) -> Self {
        Switch {
            scopes: self.scopes,
            arm_of_branch: self.arm_of_branch,
            arms: Arc::clone(&self.arms),
        }
    }
}

impl<A> Switch<A> {
    /// A switch over `arms` ([`Arm`]s ending in a [`LastArm`]): a request
    /// whose path selects branch `b` goes to arm `arm_of_branch[b]`.
    pub fn new(scopes: &'static Scopes, arm_of_branch: &'static [u8], arms: A) -> Self {
        Switch {
            scopes,
            arm_of_branch,
            arms: Arc::new(arms),
        }
    }
}

impl<A, B, ResBody> Service<http::Request<B>> for Switch<A>
where
    A: Arms<http::Request<B>, Response = http::Response<ResBody>>,
    ResBody: From<Bytes>,
{
    type Response = http::Response<ResBody>;
    type Error = A::Error;
    type Future = A::Future;

    /// Always ready, as an axum `Router` is: readiness is the chosen arm's,
    /// awaited in the response future, so an arm that is not ready (a
    /// `custom` limiter in one scope) holds up only its own requests.
    #[inline]
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let Some(branch) = self.scopes.branch_of(request.uri().path()) else {
            return A::answer(fixed(
                StatusCode::BAD_REQUEST,
                APPLICATION_JSON,
                r#"{"detail":"Ambiguous path"}"#,
            ));
        };
        // The generator lists every branch; an unknown one takes the first arm.
        let arm = self.arm_of_branch.get(branch).copied().unwrap_or(0);
        self.arms.call_arm(usize::from(arm), request)
    }
}

/// A list of services that all answer the same way, any one of which can
/// take a request: what a [`Switch`] chooses among.
pub trait Arms<R> {
    type Response;
    type Error;
    type Future: std::future::Future<Output = Result<Self::Response, Self::Error>>;

    /// Readies a clone of arm `index` (the last one for any index past the
    /// end) and calls it.
    fn call_arm(&self, index: usize, request: R) -> Self::Future;

    /// A future that answers `response` without calling any arm.
    fn answer(response: Self::Response) -> Self::Future;
}

/// An arm followed by more.
#[derive(Clone, Debug)]
pub struct Arm<S, Rest> {
    service: S,
    rest: Rest,
}

impl<S, Rest> Arm<S, Rest> {
    pub const fn new(service: S, rest: Rest) -> Self {
        Arm { service, rest }
    }
}

/// The last arm.
#[derive(Clone, Debug)]
pub struct LastArm<S> {
    service: S,
}

impl<S> LastArm<S> {
    pub const fn new(service: S) -> Self {
        LastArm { service }
    }
}

impl<S, Rest, R> Arms<R> for Arm<S, Rest>
where
    S: Service<R> + Clone,
    Rest: Arms<R, Response = S::Response, Error = S::Error>,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ArmFuture<ReadyCall<S, R>, Rest::Future>;

    #[inline]
    fn call_arm(&self, index: usize, request: R) -> Self::Future {
        match index {
            0 => ArmFuture::this(ReadyCall::new(self.service.clone(), request)),
            _ => ArmFuture::other(self.rest.call_arm(index - 1, request)),
        }
    }

    fn answer(response: Self::Response) -> Self::Future {
        ArmFuture::this(ReadyCall::answer(response))
    }
}

impl<S, R> Arms<R> for LastArm<S>
where
    S: Service<R> + Clone,
{
    type Response = S::Response;
    type Error = S::Error;
    type Future = ReadyCall<S, R>;

    #[inline]
    fn call_arm(&self, _index: usize, request: R) -> Self::Future {
        ReadyCall::new(self.service.clone(), request)
    }

    fn answer(response: Self::Response) -> Self::Future {
        ReadyCall::answer(response)
    }
}
