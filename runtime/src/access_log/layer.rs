use tower_layer::Layer;

use super::AccessLog;
use crate::paths::PathList;

/// Layer applying [`AccessLog`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct AccessLogLayer {
    exclude: &'static PathList,
}

impl AccessLogLayer {
    /// A layer logging every request except those whose path is in `exclude`.
    pub const fn new(exclude: &'static PathList) -> Self {
        Self { exclude }
    }
}

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessLog::new(inner, self.exclude)
    }
}
