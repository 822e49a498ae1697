use tower_layer::Layer;

use super::{Decompression, DecompressionPolicy};

/// Layer applying [`Decompression`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct DecompressionLayer {
    policy: &'static DecompressionPolicy,
}

impl DecompressionLayer {
    /// A layer accepting the codings `policy` enables.
    pub const fn new(policy: &'static DecompressionPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for DecompressionLayer {
    type Service = Decompression<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Decompression {
            inner,
            policy: self.policy,
        }
    }
}
