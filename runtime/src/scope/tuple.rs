//! Arms as a tuple: a switch over two to eight arms takes them flat, and
//! its future is one enum with a variant per arm.
//!
//! The [`Arm`](super::Arm) list nests one enum per arm, so the future of
//! the `n`-th arm is moved `n + 1` times on its way out of
//! [`Arms::call_arm`], each move a copy of the whole stack's future below
//! the switch. Here the chosen arm's own future is a variant of the one
//! enum, written once, whichever arm is chosen: the switch adds no wrapper
//! around it. The rare states (an arm not ready at once, the switch's own
//! `400`) are boxed, so the enum is no larger than the largest arm's future.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tower_service::Service;

use super::Arms;

const POLLED_AFTER_COMPLETION: &str = "strata scope future polled after completion";

macro_rules! arms_tuple {
    (
        $future:ident, $projection:ident, $waiting:ident;
        $first_variant:ident $first:ident 0 $(, $variant:ident $service:ident $index:tt)+
    ) => {
        /// An arm that was not ready at once, with the request it will take.
        #[derive(Debug)]
        pub enum $waiting<R, $first $(, $service)+> {
            $first_variant($first, R),
            $($variant($service, R),)+
        }

        pin_project! {
            /// The chosen arm's future, one variant per arm; or, boxed, an
            /// arm still getting ready, or the switch's own answer.
            #[project = $projection]
            pub enum $future<R, $first $(, $service)+>
            where
                $first: Service<R>,
                $($service: Service<R>,)+
            {
                $first_variant { #[pin] future: $first::Future },
                $($variant { #[pin] future: $service::Future },)+
                Waiting { waiting: Option<Box<$waiting<R, $first $(, $service)+>>> },
                Done { output: Option<Box<Result<$first::Response, $first::Error>>> },
            }
        }

        impl<R, $first $(, $service)+> std::fmt::Debug for $future<R, $first $(, $service)+>
        where
            $first: Service<R>,
            $($service: Service<R>,)+
        {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(stringify!($future))
            }
        }

        impl<R, $first $(, $service)+> Future for $future<R, $first $(, $service)+>
        where
            $first: Service<R>,
            $($service: Service<R, Response = $first::Response, Error = $first::Error>,)+
        {
            type Output = Result<$first::Response, $first::Error>;

            #[inline]
            fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                loop {
                    match self.as_mut().project() {
                        $projection::$first_variant { future } => return future.poll(cx),
                        $($projection::$variant { future } => return future.poll(cx),)+
                        $projection::Waiting { waiting } => {
                            let ready = match waiting.as_deref_mut() {
                                Some($waiting::$first_variant(service, _)) => service.poll_ready(cx),
                                $(Some($waiting::$variant(service, _)) => service.poll_ready(cx),)+
                                None => panic!("{POLLED_AFTER_COMPLETION}"),
                            };
                            let outcome = match ready {
                                Poll::Pending => return Poll::Pending,
                                Poll::Ready(outcome) => outcome,
                            };
                            let Some(parts) = waiting.take() else {
                                panic!("{POLLED_AFTER_COMPLETION}");
                            };
                            if let Err(error) = outcome {
                                return Poll::Ready(Err(error));
                            }
                            let called = match *parts {
                                $waiting::$first_variant(mut service, request) => $future::$first_variant {
                                    future: service.call(request),
                                },
                                $($waiting::$variant(mut service, request) => $future::$variant {
                                    future: service.call(request),
                                },)+
                            };
                            self.set(called);
                        }
                        $projection::Done { output } => match output.take() {
                            Some(output) => return Poll::Ready(*output),
                            None => panic!("{POLLED_AFTER_COMPLETION}"),
                        },
                    }
                }
            }
        }

        impl<R, $first $(, $service)+> Arms<R> for ($first, $($service,)+)
        where
            $first: Service<R> + Clone,
            $($service: Service<R, Response = $first::Response, Error = $first::Error> + Clone,)+
        {
            type Response = $first::Response;
            type Error = $first::Error;
            type Future = $future<R, $first $(, $service)+>;

            /// Clones arm `index` and calls it at once when it is ready (a
            /// first poll with a waker that does nothing: when it says
            /// `Pending`, the future polls again with the task's own waker
            /// before it returns `Pending` itself, so no wake-up is lost).
            #[inline]
            fn call_arm(&self, index: usize, request: R) -> Self::Future {
                let mut cx = Context::from_waker(std::task::Waker::noop());
                match index {
                    $($index => {
                        let mut service = self.$index.clone();
                        match service.poll_ready(&mut cx) {
                            Poll::Ready(Ok(())) => $future::$variant { future: service.call(request) },
                            Poll::Ready(Err(error)) => $future::Done { output: Some(Box::new(Err(error))) },
                            Poll::Pending => $future::Waiting {
                                waiting: Some(Box::new($waiting::$variant(service, request))),
                            },
                        }
                    })+
                    // Arm 0, and any index past the end (the generator lists every arm).
                    _ => {
                        let mut service = self.0.clone();
                        match service.poll_ready(&mut cx) {
                            Poll::Ready(Ok(())) => $future::$first_variant { future: service.call(request) },
                            Poll::Ready(Err(error)) => $future::Done { output: Some(Box::new(Err(error))) },
                            Poll::Pending => $future::Waiting {
                                waiting: Some(Box::new($waiting::$first_variant(service, request))),
                            },
                        }
                    }
                }
            }

            fn answer(response: Self::Response) -> Self::Future {
                $future::Done { output: Some(Box::new(Ok(response))) }
            }
        }
    };
}

arms_tuple!(OneOf2, OneOf2Projection, Waiting2; A S0 0, B S1 1);
arms_tuple!(OneOf3, OneOf3Projection, Waiting3; A S0 0, B S1 1, C S2 2);
arms_tuple!(OneOf4, OneOf4Projection, Waiting4; A S0 0, B S1 1, C S2 2, D S3 3);
arms_tuple!(OneOf5, OneOf5Projection, Waiting5; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4);
arms_tuple!(OneOf6, OneOf6Projection, Waiting6; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4, F S5 5);
arms_tuple!(OneOf7, OneOf7Projection, Waiting7; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4, F S5 5, G S6 6);
arms_tuple!(OneOf8, OneOf8Projection, Waiting8; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4, F S5 5, G S6 6, H S7 7);
