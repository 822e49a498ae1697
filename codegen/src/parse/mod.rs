//! Parse: each front door's syntax becomes the same [`Document`](crate::tree::Document).
//!
//! The attribute's tokens ([`attr`]) and, with the TOML front door (cargo
//! feature `toml`), a `stack.toml` file. Nothing here knows what a middleware is; that is the
//! model's job.

pub mod attr;
pub mod expr;
pub mod function;
pub mod limits;
#[cfg(feature = "toml")]
pub mod toml;
