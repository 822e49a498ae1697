//! Bounds on what strata parses, so that no description — however deep or
//! long — can overflow the stack or make the compiler crawl.
//!
//! Two kinds of recursion could be driven by the user: strata's own grammar
//! (arrays and tables nest through bracket and parenthesis groups) and
//! `syn`'s expression parser for `custom.layer`, which recurses once per
//! nesting level, also where no group marks it (`Vec<Vec<...>>`, `!!!x`,
//! closures). A debug build spends tens of KiB of stack per level there,
//! so 64 levels of generics already overflow a 2 MiB test thread, and
//! ~760 parentheses aborted rustc itself (blamed on rustc).
//!
//! So: group nesting is capped at [`MAX_DEPTH`] by an iterative walk before
//! anything recursive runs; an expression is capped at [`MAX_EXPR_TOKENS`]
//! tokens, which caps its nesting too; and every front door runs on a stack
//! of [`STACK`] bytes ([`with_stack`]) that the capped depth provably fits
//! (2,048 levels of the worst construct measured at < 64 KiB each in a
//! debug build). The limits are far above any real stack description: a
//! layer expression needing more is better written as a function.

use proc_macro2::{Span, TokenStream, TokenTree};

/// Deepest nesting of `(...)`, `[...]` and `{...}` groups accepted.
pub const MAX_DEPTH: usize = 128;
/// Most tokens accepted in one `layer` expression.
pub const MAX_EXPR_TOKENS: usize = 2048;
/// The stack every front door runs on (virtual memory; only what is used is touched).
pub const STACK: usize = 256 << 20;

/// Runs `f` on a stack of [`STACK`] bytes, on the same thread (the
/// compiler's `proc_macro` API only works on the macro's own thread).
pub fn with_stack<R>(f: impl FnOnce() -> R) -> R {
    stacker::grow(STACK, f)
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
}
