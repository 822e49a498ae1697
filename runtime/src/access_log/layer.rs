use tower_layer::Layer;

use super::AccessLog;
use crate::paths::PathList;

/// Layer applying [`AccessLog`]; see the [module docs](super).
#[derive(Clone, Copy, Debug)]
pub struct AccessLogLayer {
    exclude: &'static PathList,
    span: bool,
}

impl AccessLogLayer {
    /// A layer logging every request except those whose path is in
    /// `exclude`, each inside a `request` span (see [`Self::with_span`]).
    pub const fn new(exclude: &'static PathList) -> Self {
        Self { exclude, span: true }
    }

    /// Whether each request runs inside a `request` span (default true).
    pub const fn with_span(mut self, span: bool) -> Self {
        self.span = span;
        self
    }
}

impl<S> Layer<S> for AccessLogLayer {
    type Service = AccessLog<S>;

    fn layer(&self, inner: S) -> Self::Service {
        AccessLog::new(inner, self.exclude, self.span)
    }
}
