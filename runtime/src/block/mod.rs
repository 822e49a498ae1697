//! `block`: turn away clients by their `User-Agent`, before any work.
//!
//! What a client sees: when its `User-Agent` starts with one of the
//! configured prefixes (ASCII case-insensitively: `curl/` also blocks
//! `Curl/8.0`), the configured status (`410 Gone` by default),
//! `content-type: application/json` and `{"detail":"<detail>"}` (the status
//! reason, `Gone`, unless `detail` is set). The inner service is not called.
//! Any other request, including one without a `User-Agent`, passes untouched.

mod layer;
mod service;

#[cfg(test)]
mod tests;

pub use layer::BlockLayer;
pub use service::Block;

/// The response future: the inner service's, or the refusal made here.
pub type ResponseFuture<F, B> = crate::short_circuit::ShortCircuit<F, B>;

/// The compiled options.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct BlockPolicy {
    /// Lowercase `User-Agent` prefixes.
    pub user_agent_prefixes: &'static [&'static str],
    /// The status of the refusal, 400..=599.
    pub status: u16,
    /// The JSON body of the refusal, `{"detail":"..."}`.
    pub body: &'static str,
}

impl BlockPolicy {
    fn blocks(&self, user_agent: &[u8]) -> bool {
        self.user_agent_prefixes.iter().any(|prefix| {
            user_agent.len() >= prefix.len() && user_agent[..prefix.len()].eq_ignore_ascii_case(prefix.as_bytes())
        })
    }
}
