use tower_layer::Layer;

use super::{Block, BlockPolicy};

/// Layer applying [`Block`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct BlockLayer {
    policy: &'static BlockPolicy,
}

impl BlockLayer {
    /// A layer enforcing `policy`.
    pub const fn new(policy: &'static BlockPolicy) -> Self {
        Self { policy }
    }
}

impl<S> Layer<S> for BlockLayer {
    type Service = Block<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Block {
            inner,
            policy: self.policy,
        }
    }
}
