//! Bounds on what strata reads, so that no description — however deep or
//! long — can overflow a stack (strata's or rustc's) or make the compiler
//! crawl.
//!
//! The macro runs on rustc's own thread (8 MiB by default), in a debug
//! build unless the app says otherwise, where `syn` spends tens of KiB of
//! stack per nesting level of an expression or a type (64 levels of `&` in
//! a type overflow 2 MiB). So the macro parses nothing that can nest
//! without a bracket group marking it:
//!
//! - the attribute's own grammar nests only through `(...)` and `[...]`,
//!   capped at [`MAX_DEPTH`] by an iterative walk before the parser runs;
//! - a `custom(layer = ...)` expression is not parsed: it is measured and
//!   checked token by token ([`super::expr`]) and handed to rustc as
//!   written, inside the call that checks it is a layer. [`MAX_EXPR_TOKENS`]
//!   caps its length, which caps how deep rustc's parser recurses in it:
//!   rustc 1.95 overflows its stack at ~1,100 nested `return`s, the
//!   costliest construct per token;
//! - the annotated function is read token by token ([`super::function`]):
//!   its signature's types and its body are rustc's to parse.
//!
//! Outside the macro (the CLI, build.rs, tests), full parses that recurse
//! through a user's expression — the TOML `layer` checked with `syn`, the
//! generated module formatted with `prettyplease` — run on a thread of
//! their own with [`BIG_STACK`] bytes ([`on_big_stack`]), which the capped
//! length provably fits. `codegen/tests/limits.rs` runs the deepest
//! accepted input of every construct through the macro's front door on a
//! 2 MiB thread in a debug build, and `tests/ui/pass` compiles them with
//! rustc.

use proc_macro2::{Span, TokenStream, TokenTree};

/// Deepest nesting of `(...)`, `[...]` and `{...}` groups accepted.
pub const MAX_DEPTH: usize = 128;
/// Most tokens accepted in one `layer` expression (groups count one each,
/// plus their content).
pub const MAX_EXPR_TOKENS: usize = 512;
/// The stack of [`on_big_stack`]'s thread (virtual memory; only what is
/// used is touched): 512 levels of `syn`'s costliest construct in a debug
/// build need about 16 MiB.
pub const BIG_STACK: usize = 64 << 20;

/// Whether this runs inside a proc macro, where the thread cannot change
/// (the compiler's `proc_macro` API works on the macro's own thread only).
pub fn in_proc_macro() -> bool {
    proc_macro::is_available()
}

/// Runs `f` on a thread with a stack of [`BIG_STACK`] bytes, for the full
/// parses the CLI, build.rs and tests make. Whatever `f` is given and
/// returns crosses threads, so it is text, not tokens. A panic in `f`
/// resumes here. Inside a proc macro (where `proc_macro2` would reach for
/// the compiler from another thread), or if no thread can be started, `f`
/// runs here.
pub fn on_big_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    if in_proc_macro() {
        return f();
    }
    let mut work = Some(f);
    let mut result = None;
    std::thread::scope(|scope| {
        let spawned = std::thread::Builder::new()
            .name("strata-parse".into())
            .stack_size(BIG_STACK)
            .spawn_scoped(scope, || work.take().map(|f| f()));
        if let Ok(handle) = spawned {
            match handle.join() {
                Ok(value) => result = value,
                Err(panic) => std::panic::resume_unwind(panic),
            }
        }
    });
    match (result, work) {
        (Some(result), _) => result,
        (None, Some(f)) => f(),
        (None, None) => unreachable!("the thread took the work and returned its result"),
    }
}

/// The first group nested deeper than [`MAX_DEPTH`], without recursing.
pub fn too_deep(tokens: &TokenStream) -> Option<Span> {
    let mut stack = vec![tokens.clone().into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(TokenTree::Group(group)) => {
                if stack.len() >= MAX_DEPTH {
                    return Some(group.span());
                }
                stack.push(group.stream().into_iter());
            }
            Some(_) => {}
            None => {
                stack.pop();
            }
        }
    }
    None
}

/// The number of tokens, groups counted as one each plus their content,
/// without recursing; stops counting past `limit`.
pub fn token_count(tokens: TokenStream, limit: usize) -> usize {
    let mut count = 0;
    let mut stack = vec![tokens.into_iter()];
    while let Some(top) = stack.last_mut() {
        match top.next() {
            Some(tree) => {
                count += 1;
                if count > limit {
                    return count;
                }
                if let TokenTree::Group(group) = tree {
                    stack.push(group.stream().into_iter());
                }
            }
            None => {
                stack.pop();
            }
        }
    }
    count
}

/// The help every limit error gives.
pub const HELP: &str = "build the layer in a function and name it here, e.g. layer = crate::layers::audit()";

#[cfg(test)]
mod tests {
    use super::*;

    fn nested(depth: usize) -> TokenStream {
        format!("{}x{}", "(".repeat(depth), ")".repeat(depth)).parse().unwrap()
    }

    #[test]
    fn depth_is_measured_without_recursion() {
        assert!(too_deep(&nested(MAX_DEPTH - 1)).is_none());
        assert!(too_deep(&nested(MAX_DEPTH + 1)).is_some());
        // Far deeper than any recursive walk would survive on a test thread.
        assert!(too_deep(&nested(100_000)).is_some());
    }

    #[test]
    fn counting_stops_at_the_limit() {
        assert_eq!(token_count("a b (c d)".parse().unwrap(), 100), 5);
        assert_eq!(token_count(nested(50_000), 10), 11);
    }

    #[test]
    fn the_big_stack_runs_the_work_and_passes_its_panics_on() {
        let here = std::thread::current().id();
        assert_ne!(on_big_stack(|| std::thread::current().id()), here);
        let panicked = std::panic::catch_unwind(|| on_big_stack(|| panic!("inside")));
        assert!(panicked.is_err());
    }
}
