use tower_layer::Layer;

use super::negotiate::Enabled;
use super::{Compression, StrataPredicate};

/// Layer applying [`Compression`]; see the [module docs](super).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct CompressionLayer {
    pub(super) predicate: StrataPredicate,
    pub(super) level: u32,
    gzip: bool,
    deflate: bool,
    br: bool,
}

impl CompressionLayer {
    /// Compress bodies of at least `minimum_size` bytes at `level` (1 fastest
    /// to 9 smallest; values outside are clamped), with the enabled algorithms.
    ///
    /// # Panics
    ///
    /// If `br` is asked for without strata's cargo feature `compression_br`
    /// (strata's generated code names the feature at compile time instead).
    pub const fn new(minimum_size: u64, level: u32, gzip: bool, deflate: bool, br: bool) -> Self {
        if br && !cfg!(feature = "compression_br") {
            panic!("strata: compression with \"br\" needs strata's cargo feature `compression_br`");
        }
        let level = if level < 1 {
            1
        } else if level > 9 {
            9
        } else {
            level
        };
        Self {
            predicate: StrataPredicate::new(minimum_size),
            level,
            gzip,
            deflate,
            br,
        }
    }

    /// Replaces the media types that are never compressed (by default
    /// [`DEFAULT_EXCLUDED_CONTENT_TYPES`](super::DEFAULT_EXCLUDED_CONTENT_TYPES),
    /// Starlette's list); see [`StrataPredicate`] for how they match.
    pub const fn exclude_content_types(mut self, excluded: &'static [&'static str]) -> Self {
        self.predicate = self.predicate.exclude_content_types(excluded);
        self
    }

    pub(super) const fn enabled(&self) -> Enabled {
        Enabled {
            gzip: self.gzip,
            deflate: self.deflate,
            br: self.br,
        }
    }
}

impl<S> Layer<S> for CompressionLayer {
    type Service = Compression<S>;

    fn layer(&self, inner: S) -> Self::Service {
        Compression { inner, layer: *self }
    }
}
