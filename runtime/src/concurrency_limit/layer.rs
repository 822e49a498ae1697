use std::sync::Arc;
use std::sync::atomic::AtomicUsize;

use tower_layer::Layer;

use super::{ConcurrencyLimit, InFlight};

/// Layer applying [`ConcurrencyLimit`]; see the [module docs](super).
#[derive(Clone, Debug)]
pub struct ConcurrencyLimitLayer {
    in_flight: Arc<InFlight>,
}

impl ConcurrencyLimitLayer {
    /// At most `max_in_flight` requests inside at once, shared by every
    /// service this layer (and its clones) builds.
    pub fn new(max_in_flight: usize) -> Self {
        Self {
            in_flight: Arc::new(InFlight {
                count: AtomicUsize::new(0),
                max: max_in_flight,
            }),
        }
    }

    /// Requests inside right now.
    pub fn in_flight(&self) -> usize {
        self.in_flight.count.load(std::sync::atomic::Ordering::Relaxed)
    }
}

impl<S> Layer<S> for ConcurrencyLimitLayer {
    type Service = ConcurrencyLimit<S>;

    fn layer(&self, inner: S) -> Self::Service {
        ConcurrencyLimit {
            inner,
            in_flight: Arc::clone(&self.in_flight),
        }
    }
}
