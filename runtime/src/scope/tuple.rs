//! Arms as a tuple: a switch over two to eight arms takes them flat, and
//! its future is one enum with a variant per arm.
//!
//! The [`Arm`](super::Arm) list nests one enum per arm, so the future of
//! the `n`-th arm is moved `n + 1` times on its way out of
//! [`Arms::call_arm`], each move a copy of the whole stack's future below
//! the switch. A flat enum moves it once, whichever arm is chosen. The
//! list remains for more arms than a tuple here takes.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use pin_project_lite::pin_project;
use tower_service::Service;

use super::Arms;
use super::future::ReadyCall;

macro_rules! arms_tuple {
    ($future:ident, $projection:ident; $first_variant:ident $first:ident 0 $(, $variant:ident $service:ident $index:tt)+) => {
        pin_project! {
            /// The chosen arm's future, one variant per arm.
            #[project = $projection]
            #[derive(Debug)]
            pub enum $future<$first $(, $service)+> {
                $first_variant { #[pin] future: $first },
                $($variant { #[pin] future: $service },)+
            }
        }

        impl<$first $(, $service)+, T, E> Future for $future<$first $(, $service)+>
        where
            $first: Future<Output = Result<T, E>>,
            $($service: Future<Output = Result<T, E>>,)+
        {
            type Output = Result<T, E>;

            #[inline]
            fn poll(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Self::Output> {
                match self.project() {
                    $projection::$first_variant { future } => future.poll(cx),
                    $($projection::$variant { future } => future.poll(cx),)+
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
            type Future = $future<ReadyCall<$first, R> $(, ReadyCall<$service, R>)+>;

            #[inline]
            fn call_arm(&self, index: usize, request: R) -> Self::Future {
                match index {
                    $($index => $future::$variant { future: ReadyCall::new(self.$index.clone(), request) },)+
                    // Arm 0, and any index past the end (the generator lists every arm).
                    _ => $future::$first_variant { future: ReadyCall::new(self.0.clone(), request) },
                }
            }

            fn answer(response: Self::Response) -> Self::Future {
                $future::$first_variant { future: ReadyCall::answer(response) }
            }
        }
    };
}

arms_tuple!(OneOf2, OneOf2Projection; A S0 0, B S1 1);
arms_tuple!(OneOf3, OneOf3Projection; A S0 0, B S1 1, C S2 2);
arms_tuple!(OneOf4, OneOf4Projection; A S0 0, B S1 1, C S2 2, D S3 3);
arms_tuple!(OneOf5, OneOf5Projection; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4);
arms_tuple!(OneOf6, OneOf6Projection; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4, F S5 5);
arms_tuple!(OneOf7, OneOf7Projection; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4, F S5 5, G S6 6);
arms_tuple!(OneOf8, OneOf8Projection; A S0 0, B S1 1, C S2 2, D S3 3, E S4 4, F S5 5, G S6 6, H S7 7);
