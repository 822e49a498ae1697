//! A `custom(layer = ...)` expression, checked without parsing it.
//!
//! Parsing a Rust expression recurses once per nesting level, also where no
//! bracket marks it (`!!!x`, `&&x`, `|| || x`, `return return x`), and `syn`
//! spends tens of KiB of stack a level in a debug build: more than rustc's
//! thread holds, long before the expression is absurd (see
//! [`super::limits`]). So strata checks what it must know token by token,
//! without recursing, keeps the tokens as written (their spans too) and
//! emits them as the argument of the call that checks they build a layer,
//! `custom_layer(#tokens)`, where rustc parses them: a value that is not an
//! expression is rustc's error, on the user's tokens. Token trees are
//! balanced, so nothing in them can close that call or reach the code
//! around it; what could still read as more than one expression there (a
//! top-level `,` or `;`) or as an item is refused here.

use super::limits;
use proc_macro2::{Delimiter, Spacing, Span, TokenStream, TokenTree};

/// Why tokens are not accepted as one expression.
#[derive(Debug)]
pub struct Problem {
    /// The offending token; `None` when the expression is empty.
    pub at: Option<Span>,
    /// What is wrong; for a size limit, what the expression does ("is
    /// longer than ..."), without a subject.
    pub message: String,
    /// A size limit, whose help is [`limits::HELP`].
    pub limit: bool,
}

/// Where an expression written among the attribute's entries ends: the
/// index of the first comma that separates entries. A comma inside generic
/// arguments (`Layer::<A, B>::new()`, `<T as Trait<A, B>>::new()`,
/// `x as Foo<A, B>`) or inside a leading closure's parameters (`|a, b| ...`)
/// belongs to the expression; every other comma outside brackets ends it.
pub fn end(tokens: &[TokenTree]) -> usize {
    // Depth of `<...>` generic arguments.
    let mut angle = 0usize;
    // After `as` or `->`: a type, where every `<` opens generic arguments.
    let mut in_type = false;
    // Between a closure's `|` and its closing `|`.
    let mut in_parameters = false;
    for (index, token) in tokens.iter().enumerate() {
        let previous = index.checked_sub(1).map(|before| &tokens[before]);
        match token {
            TokenTree::Punct(punct) => match punct.as_char() {
                ',' if angle == 0 && !in_parameters => return index,
                '<' if angle > 0 || in_type || after_path_separator(tokens, index) || operand_position(previous) => {
                    angle += 1;
                }
                '>' if angle > 0 && !is_joint(previous, '-') => {
                    angle -= 1;
                    if angle == 0 {
                        in_type = false;
                    }
                }
                '>' if is_joint(previous, '-') => in_type = true,
                '|' if angle == 0 && in_parameters => in_parameters = false,
                '|' if angle == 0 && operand_position(previous) => {
                    // `||` has no parameters (and is `|` joint to `|`).
                    let empty = punct.spacing() == Spacing::Joint
                        && matches!(tokens.get(index + 1), Some(TokenTree::Punct(next)) if next.as_char() == '|');
                    in_parameters = !empty;
                }
                ':' | '-' | '\'' => {}
                _ if angle == 0 => in_type = false,
                _ => {}
            },
            TokenTree::Ident(ident) if ident == "as" => in_type = true,
            TokenTree::Ident(_) => {}
            TokenTree::Group(_) | TokenTree::Literal(_) if angle == 0 => in_type = false,
            _ => {}
        }
    }
    tokens.len()
}

/// Checks that `tokens` (a `layer` value) can be one expression and no
/// more, within the limits; rustc parses it where it is emitted.
pub fn check(tokens: &[TokenTree]) -> Result<(), Problem> {
    let Some(first) = tokens.first() else {
        return Err(Problem {
            at: None,
            message: "there is nothing there".into(),
            limit: false,
        });
    };
    let stream: TokenStream = tokens.iter().cloned().collect();
    if let Some(span) = limits::too_deep(&stream) {
        return Err(Problem {
            at: Some(span),
            message: format!("nests deeper than {} levels of brackets", limits::MAX_DEPTH),
            limit: true,
        });
    }
    if limits::token_count(stream.clone(), limits::MAX_EXPR_TOKENS) > limits::MAX_EXPR_TOKENS {
        return Err(Problem {
            at: Some(first.span()),
            message: format!("is longer than {} tokens", limits::MAX_EXPR_TOKENS),
            limit: true,
        });
    }
    if let Some(keyword) = starts_an_item(tokens) {
        return Err(Problem {
            at: Some(keyword.span()),
            message: format!("`{keyword}` starts an item or a statement, not an expression"),
            limit: false,
        });
    }
    for token in tokens {
        if let TokenTree::Punct(punct) = token
            && punct.as_char() == ';'
        {
            return Err(Problem {
                at: Some(punct.span()),
                message: "`;` ends a statement; write statements inside a block: `{ let x = ...; Layer::new(x) }`"
                    .into(),
                limit: false,
            });
        }
    }
    let end = end(tokens);
    if let Some(comma) = tokens.get(end) {
        return Err(Problem {
            at: Some(comma.span()),
            message: "this `,` ends the expression; a layer is one expression (several go in a tuple: `(a, b)`)".into(),
            limit: false,
        });
    }
    Ok(())
}

/// The keyword that makes `tokens` an item or a statement (`fn`, `struct`,
/// `let`, ...), after any outer attributes.
fn starts_an_item(tokens: &[TokenTree]) -> Option<&proc_macro2::Ident> {
    let mut index = 0;
    while matches!(tokens.get(index), Some(TokenTree::Punct(p)) if p.as_char() == '#')
        && matches!(tokens.get(index + 1), Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Bracket)
    {
        index += 2;
    }
    let TokenTree::Ident(keyword) = tokens.get(index)? else {
        return None;
    };
    let next = tokens.get(index + 1);
    let next_is = |word: &[&str]| matches!(next, Some(TokenTree::Ident(ident)) if word.iter().any(|w| ident == w));
    let item = match keyword.to_string().as_str() {
        "fn" | "struct" | "enum" | "trait" | "impl" | "mod" | "use" | "type" | "pub" | "let" | "static" | "extern" => {
            true
        }
        // `const { ... }` is an expression (an inline const); `const X: ...` an item.
        "const" => !matches!(next, Some(TokenTree::Group(g)) if g.delimiter() == Delimiter::Brace),
        // `unsafe { ... }` and `async move { ... }` are expressions.
        "unsafe" => next_is(&["fn", "impl", "trait", "extern"]),
        "async" => next_is(&["fn"]),
        "macro_rules" => matches!(next, Some(TokenTree::Punct(p)) if p.as_char() == '!'),
        _ => false,
    };
    item.then_some(keyword)
}

fn is_joint(token: Option<&TokenTree>, ch: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == ch && p.spacing() == Spacing::Joint)
}

/// `::` right before `index`: a turbofish `::<`.
fn after_path_separator(tokens: &[TokenTree], index: usize) -> bool {
    index >= 2
        && is_joint(tokens.get(index - 2), ':')
        && matches!(&tokens[index - 1], TokenTree::Punct(p) if p.as_char() == ':')
}

/// Whether the token after `previous` starts an operand: the expression's
/// start, or after an operator or a keyword that takes an expression. There
/// a `<` opens a qualified path (`<T as Trait>::f()`) and a `|` a closure.
fn operand_position(previous: Option<&TokenTree>) -> bool {
    match previous {
        None => true,
        // Not the first half of an operator (`<<`, `||`, `->`).
        Some(TokenTree::Punct(punct)) => punct.spacing() == Spacing::Alone && punct.as_char() != '?',
        Some(TokenTree::Ident(ident)) => ["move", "return", "break", "in", "async", "static", "yield"]
            .iter()
            .any(|keyword| ident == keyword),
        Some(_) => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tokens(text: &str) -> Vec<TokenTree> {
        text.parse::<TokenStream>().unwrap().into_iter().collect()
    }

    /// The expression's text up to where `end` puts its end.
    fn expression(text: &str) -> String {
        let tokens = tokens(text);
        let end = end(&tokens);
        tokens[..end].iter().cloned().collect::<TokenStream>().to_string()
    }

    /// `expected`, printed as tokens are.
    fn printed(expected: &str) -> String {
        expected.parse::<TokenStream>().unwrap().to_string()
    }

    #[test]
    fn an_expression_ends_at_the_first_comma_between_entries() {
        for (written, expression_part) in [
            ("a::B::new(1, 2), name = \"x\"", "a::B::new(1, 2)"),
            ("if a < b { X } else { Y }, name = \"x\"", "if a < b { X } else { Y }"),
            ("x << 2, y", "x << 2"),
            ("a < b, c > d", "a < b"),
            ("x || y, z", "x || y"),
        ] {
            assert_eq!(expression(written), printed(expression_part), "{written}");
        }
    }

    #[test]
    fn commas_in_generics_and_closure_parameters_belong_to_it() {
        for (written, expression_part) in [
            ("Layer::<A, B<C, D>>::new(), name = \"x\"", "Layer::<A, B<C, D>>::new()"),
            ("<T as Tr<A, B>>::new(), x", "<T as Tr<A, B>>::new()"),
            ("x as Foo<A, B>, y", "x as Foo<A, B>"),
            ("|a, b| a + b, y", "|a, b| a + b"),
            ("move |a, b: Vec<u8>| a, y", "move |a, b: Vec<u8>| a"),
            ("|| |a, b| a, y", "|| |a, b| a"),
            ("|| x, y", "|| x"),
            ("f::<fn(A) -> B, C>(), y", "f::<fn(A) -> B, C>()"),
        ] {
            assert_eq!(expression(written), printed(expression_part), "{written}");
        }
    }

    #[test]
    fn what_is_not_one_expression_is_refused_at_its_token() {
        let message = |text: &str| check(&tokens(text)).unwrap_err().message;
        assert!(message("").contains("nothing there"));
        assert!(message("fn f() {}").starts_with("`fn` starts an item"));
        assert!(message("#[allow(x)] struct S;").starts_with("`struct` starts"));
        assert!(message("let x = 1").starts_with("`let` starts"));
        assert!(message("x; y").starts_with("`;` ends a statement"));
        assert!(message("a, b").contains("this `,` ends the expression"));
        assert!(message(&"!".repeat(600)).contains("longer than 512 tokens"));
        for fine in [
            "const { X }",
            "unsafe { x() }",
            "async move { 1 }",
            "{ let x = 1; L::new(x) }",
            "crate::layers::audit()",
            "(a, b)",
            "Layer::<A, B>::new()",
        ] {
            assert!(check(&tokens(fine)).is_ok(), "{fine}");
        }
    }
}
