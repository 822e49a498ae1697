//! [`Switch`] and its arms.

use std::task::{Context, Poll};

use tower_service::Service;

use super::Scopes;
use super::future::{ArmFuture, ReadyCall};

/// Sends each request down one arm, by its path; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct Switch<A> {
    scopes: &'static Scopes,
    /// For each branch number, the arm that serves it.
    arm_of_branch: &'static [u8],
    arms: A,
}

impl<A> Switch<A> {
    /// A switch over `arms` ([`Arm`]s ending in a [`LastArm`]): a request
    /// whose path selects branch `b` goes to arm `arm_of_branch[b]`.
    pub const fn new(scopes: &'static Scopes, arm_of_branch: &'static [u8], arms: A) -> Self {
        Switch {
            scopes,
            arm_of_branch,
            arms,
        }
    }
}

impl<A, B> Service<http::Request<B>> for Switch<A>
where
    A: Arms<http::Request<B>>,
{
    type Response = A::Response;
    type Error = A::Error;
    type Future = A::Future;

    #[inline]
    fn poll_ready(&mut self, _cx: &mut Context<'_>) -> Poll<Result<(), Self::Error>> {
        Poll::Ready(Ok(()))
    }

    #[inline]
    fn call(&mut self, request: http::Request<B>) -> Self::Future {
        let branch = self.scopes.branch(request.uri().path());
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

    /// Calls arm `index` (the last one for any index past the end).
    fn call_arm(&mut self, index: usize, request: R) -> Self::Future;
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
    fn call_arm(&mut self, index: usize, request: R) -> Self::Future {
        match index {
            0 => ArmFuture::this(ReadyCall::new(self.service.clone(), request)),
            _ => ArmFuture::other(self.rest.call_arm(index - 1, request)),
        }
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
    fn call_arm(&mut self, _index: usize, request: R) -> Self::Future {
        ReadyCall::new(self.service.clone(), request)
    }
}
