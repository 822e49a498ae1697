//! Stack depth: the same trivial layer (tower-http's `SetResponseHeader`,
//! one header insert) stacked 1, 4, 8 and 15 times, composed three ways.
//! What grows with depth is the cost of composition itself.

use std::convert::Infallible;
use std::future::Future;

use axum::Router;
use axum::body::Body;
use http::{HeaderName, HeaderValue, Request, Response};
use tower::{Layer, Service, ServiceBuilder};
use tower_http::set_header::SetResponseHeaderLayer;

use super::handwritten::Boxed;
use super::router;

pub const DEPTHS: [usize; 4] = [1, 4, 8, 15];

/// The layer every level adds.
pub fn header_layer() -> SetResponseHeaderLayer<HeaderValue> {
    SetResponseHeaderLayer::overriding(HeaderName::from_static("x-layer"), HeaderValue::from_static("1"))
}

macro_rules! strata_depth {
    ($function:ident: $($name:tt),*) => {
        /// `custom` entries, one per level, through the macro.
        #[strata::stack($(custom(name = $name, layer = crate::common::depth::header_layer())),*)]
        pub fn $function() -> Router {
            router()
        }
    };
}

strata_depth!(strata_1: "l1");
strata_depth!(strata_4: "l1", "l2", "l3", "l4");
strata_depth!(strata_8: "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8");
strata_depth!(strata_15: "l1", "l2", "l3", "l4", "l5", "l6", "l7", "l8", "l9", "l10", "l11", "l12", "l13", "l14", "l15");

macro_rules! handwritten_depth {
    ($function:ident: $($level:tt),*) => {
        /// One `ServiceBuilder`, one concrete type.
        pub fn $function() -> impl Service<
            Request<Body>,
            Response = Response<Body>,
            Error = Infallible,
            Future = impl Future<Output = Result<Response<Body>, Infallible>> + Send + 'static,
        > + Clone
        + Send
        + 'static {
            ServiceBuilder::new()
                $(.layer({ let _level = $level; header_layer() }))*
                .service(router())
        }
    };
}

handwritten_depth!(handwritten_1: 1);
handwritten_depth!(handwritten_4: 1, 2, 3, 4);
handwritten_depth!(handwritten_8: 1, 2, 3, 4, 5, 6, 7, 8);
handwritten_depth!(handwritten_15: 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);

/// A `BoxCloneService` around the router and around every level.
pub fn boxed(depth: usize) -> Boxed {
    let mut service = Boxed::new(router());
    for _ in 0..depth {
        service = Boxed::new(header_layer().layer(service));
    }
    service
}

/// Calls `$body` with `$service` bound to the `$variant` stack of `$depth` levels.
#[macro_export]
macro_rules! with_depth {
    ($variant:expr, $depth:expr, |$service:ident| $body:expr) => {{
        use $crate::common::depth as d;
        match ($variant, $depth) {
            ("strata", 1) => {
                let $service = d::strata_1();
                Some($body)
            }
            ("strata", 4) => {
                let $service = d::strata_4();
                Some($body)
            }
            ("strata", 8) => {
                let $service = d::strata_8();
                Some($body)
            }
            ("strata", 15) => {
                let $service = d::strata_15();
                Some($body)
            }
            ("handwritten", 1) => {
                let $service = d::handwritten_1();
                Some($body)
            }
            ("handwritten", 4) => {
                let $service = d::handwritten_4();
                Some($body)
            }
            ("handwritten", 8) => {
                let $service = d::handwritten_8();
                Some($body)
            }
            ("handwritten", 15) => {
                let $service = d::handwritten_15();
                Some($body)
            }
            ("boxed", depth) if d::DEPTHS.contains(&depth) => {
                let $service = d::boxed(depth);
                Some($body)
            }
            _ => None,
        }
    }};
}
