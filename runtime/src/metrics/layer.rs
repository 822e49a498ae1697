use std::sync::Arc;

use tower_layer::Layer;

use super::Metrics;
use super::registry::Registry;

/// Layer applying [`Metrics`]; see the [module docs](super). Every service
/// it makes (and their clones) counts into the same registry, which this
/// layer owns.
#[derive(Clone, Debug)]
pub struct MetricsLayer {
    path: &'static str,
    registry: Arc<Registry>,
}

impl MetricsLayer {
    /// Serves the exposition at `path` (exact) and counts durations into
    /// the histogram buckets `bounds` (seconds, increasing; `+Inf` is added).
    pub fn new(path: &'static str, bounds: &'static [f64]) -> Self {
        Self {
            path,
            registry: Arc::new(Registry::new(bounds)),
        }
    }

    /// The exposition as a scrape of `path` would return it now.
    pub fn render(&self) -> String {
        self.registry.expose()
    }
}

impl<S> Layer<S> for MetricsLayer {
    type Service = Metrics<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Metrics::new(inner, self.path, self.registry.clone())
    }
}
