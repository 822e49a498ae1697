//! The function `#[strata::stack]` annotates, read token by token.
//!
//! strata needs its name, whether it is `async` or generic, its parameters'
//! names, and its return type's outer shape (`Router`, `Result<T, E>`); the
//! types and the body are rustc's to parse. `syn` would recurse through
//! every nesting level of a type (`&&&T`, `Vec<Vec<..>>`) and of the body,
//! tens of KiB of stack a level in a debug build, on rustc's own thread
//! ([`super::limits`]); walking the token trees does not recurse at all.

use proc_macro2::{Delimiter, Group, Ident, Spacing, Span, TokenStream, TokenTree};
use quote::{ToTokens, TokenStreamExt as _};
use std::ops::Range;

pub const NOT_A_FUNCTION: &str =
    "#[strata::stack] goes on a function that returns the inner service, e.g. `fn app() -> Router`";

/// `#[attrs] vis const async unsafe extern "abi" fn name<generics>(inputs) -> output where ... { body }`,
/// each part as written.
#[derive(Clone, Debug)]
pub struct Function {
    pub attrs: Vec<TokenTree>,
    pub vis: Vec<TokenTree>,
    /// `const`, `async`, `unsafe`, `extern "C"`, as written.
    pub qualifiers: Vec<TokenTree>,
    pub is_async: bool,
    pub fn_token: TokenTree,
    pub ident: Ident,
    /// `<...>` as written, or empty.
    pub generics: Vec<TokenTree>,
    pub parameters: Group,
    pub inputs: Vec<Input>,
    /// The `->` and the type after it.
    pub output: Option<(Vec<TokenTree>, Vec<TokenTree>)>,
    /// `where ...` as written, or empty.
    pub where_clause: Vec<TokenTree>,
    pub body: Group,
}

/// One parameter, as written (its attributes too), and what strata reads of it.
#[derive(Clone, Debug)]
pub struct Input {
    pub tokens: Vec<TokenTree>,
    pub kind: InputKind,
}

#[derive(Clone, Debug)]
pub enum InputKind {
    /// `name: Type` or `mut name: Type`; `impl_trait` when the type is `impl ...`.
    Named { ident: Ident, impl_trait: bool },
    /// Any other pattern (`(a, b): T`, `_: T`, `ref x: T`), at its span.
    Pattern(Span),
    /// `self`, `&self`, `mut self: Box<Self>`, ...
    Receiver(Span),
}

impl Function {
    /// Whether the function declares generic parameters (`fn app<S>`).
    pub fn is_generic(&self) -> bool {
        self.generics.len() > 2
    }

    /// The signature with another name, only the inputs `keep` (all when
    /// `None`) and `output` (`-> T`, or nothing) in place of the written one.
    pub fn signature(&self, ident: &Ident, keep: Option<&[usize]>, output: TokenStream) -> TokenStream {
        let mut tokens = TokenStream::new();
        tokens.append_all(&self.qualifiers);
        self.fn_token.to_tokens(&mut tokens);
        ident.to_tokens(&mut tokens);
        tokens.append_all(&self.generics);
        match keep {
            None => self.parameters.to_tokens(&mut tokens),
            Some(keep) => {
                let mut inputs = TokenStream::new();
                let kept = self.inputs.iter().enumerate().filter(|(index, _)| keep.contains(index));
                for (position, (_, input)) in kept.enumerate() {
                    if position > 0 {
                        inputs.extend(quote::quote!(,));
                    }
                    inputs.append_all(&input.tokens);
                }
                let mut group = Group::new(Delimiter::Parenthesis, inputs);
                group.set_span(self.parameters.span());
                group.to_tokens(&mut tokens);
            }
        }
        tokens.extend(output);
        tokens.append_all(&self.where_clause);
        tokens
    }

    /// The return type as written, `->` included, or nothing.
    pub fn written_output(&self) -> TokenStream {
        let mut tokens = TokenStream::new();
        if let Some((arrow, ty)) = &self.output {
            tokens.append_all(arrow);
            tokens.append_all(ty);
        }
        tokens
    }
}

/// Reads the annotated item; anything but a function with a body is an
/// error at the first token that is not where a function has it.
pub fn parse(item: TokenStream) -> syn::Result<Function> {
    let tokens: Vec<TokenTree> = item.into_iter().collect();
    let not_a_function =
        |at: Option<&TokenTree>| syn::Error::new(at.map_or_else(Span::call_site, TokenTree::span), NOT_A_FUNCTION);
    let mut index = 0;
    let mut attrs = Vec::new();
    while is_punct(tokens.get(index), '#') && is_group(tokens.get(index + 1), Delimiter::Bracket) {
        attrs.extend_from_slice(&tokens[index..index + 2]);
        index += 2;
    }
    let mut vis = Vec::new();
    if is_ident(tokens.get(index), "pub") {
        vis.push(tokens[index].clone());
        index += 1;
        if is_group(tokens.get(index), Delimiter::Parenthesis) {
            vis.push(tokens[index].clone());
            index += 1;
        }
    }
    let mut qualifiers = Vec::new();
    let mut is_async = false;
    while let Some(TokenTree::Ident(word)) = tokens.get(index) {
        match word.to_string().as_str() {
            "const" | "unsafe" | "safe" => {}
            "async" => is_async = true,
            "extern" => {
                if let Some(abi @ TokenTree::Literal(_)) = tokens.get(index + 1) {
                    qualifiers.push(tokens[index].clone());
                    qualifiers.push(abi.clone());
                    index += 2;
                    continue;
                }
            }
            _ => break,
        }
        qualifiers.push(tokens[index].clone());
        index += 1;
    }
    if !is_ident(tokens.get(index), "fn") {
        return Err(not_a_function(tokens.get(index)));
    }
    let fn_token = tokens[index].clone();
    index += 1;
    let Some(TokenTree::Ident(ident)) = tokens.get(index) else {
        return Err(not_a_function(tokens.get(index)));
    };
    let ident = ident.clone();
    index += 1;
    let mut generics = Vec::new();
    if is_punct(tokens.get(index), '<') {
        let Some(close) = closing_angle(&tokens, index) else {
            return Err(not_a_function(tokens.get(index)));
        };
        generics.extend_from_slice(&tokens[index..=close]);
        index = close + 1;
    }
    let Some(TokenTree::Group(parameters)) = tokens.get(index).filter(|t| is_group(Some(t), Delimiter::Parenthesis))
    else {
        return Err(not_a_function(tokens.get(index)));
    };
    let parameters = parameters.clone();
    index += 1;
    let Some(TokenTree::Group(body)) = tokens.last().filter(|t| is_group(Some(t), Delimiter::Brace)) else {
        return Err(not_a_function(tokens.last()));
    };
    if tokens.len() - 1 < index {
        return Err(not_a_function(tokens.last()));
    }
    let body = body.clone();
    let between = &tokens[index..tokens.len() - 1];
    let where_at = between
        .iter()
        .position(|t| is_ident(Some(t), "where"))
        .unwrap_or(between.len());
    let (before_where, where_clause) = between.split_at(where_at);
    let output = match before_where {
        [] => None,
        [minus, greater, ty @ ..] if is_joint(minus, '-') && is_punct(Some(greater), '>') && !ty.is_empty() => {
            Some((vec![minus.clone(), greater.clone()], ty.to_vec()))
        }
        [first, ..] => return Err(not_a_function(Some(first))),
    };
    let inputs = split_top_level(&parameters.stream().into_iter().collect::<Vec<_>>())
        .into_iter()
        .map(input)
        .collect::<syn::Result<Vec<_>>>()?;
    Ok(Function {
        attrs,
        vis,
        qualifiers,
        is_async,
        fn_token,
        ident,
        generics,
        parameters,
        inputs,
        output,
        where_clause: where_clause.to_vec(),
        body,
    })
}

fn input(tokens: Vec<TokenTree>) -> syn::Result<Input> {
    let mut start = 0;
    while is_punct(tokens.get(start), '#') && is_group(tokens.get(start + 1), Delimiter::Bracket) {
        start += 2;
    }
    let written = &tokens[start..];
    let span = span_of(written);
    let colon = written.iter().enumerate().position(|(index, token)| {
        is_punct(Some(token), ':')
            && matches!(token, TokenTree::Punct(p) if p.spacing() == Spacing::Alone)
            && !(index > 0 && is_joint(&written[index - 1], ':'))
    });
    let pattern = &written[..colon.unwrap_or(written.len())];
    let is_self = |token: &TokenTree| is_ident(Some(token), "self");
    let receiver = match pattern {
        [this] | [_, this] => is_self(this),
        [and, rest @ ..] if is_punct(Some(and), '&') => rest.last().is_some_and(is_self),
        _ => false,
    };
    let kind = if receiver {
        InputKind::Receiver(span)
    } else {
        let Some(colon) = colon else {
            return Err(syn::Error::new(span, NOT_A_FUNCTION));
        };
        match pattern {
            [TokenTree::Ident(ident)] | [TokenTree::Ident(_), TokenTree::Ident(ident)]
                if ident != "_" && (pattern.len() == 1 || is_ident(pattern.first(), "mut")) =>
            {
                InputKind::Named {
                    ident: ident.clone(),
                    impl_trait: is_ident(written.get(colon + 1), "impl"),
                }
            }
            _ => InputKind::Pattern(span_of(pattern)),
        }
    };
    Ok(Input { tokens, kind })
}

/// The generic arguments of a plain path type, `a::b::Last<A, B>`: its last
/// segment and each argument's range in `ty`. `None` for any other type
/// (a reference, a tuple, `impl Trait`, a qualified path, ...).
pub fn path_arguments(ty: &[TokenTree]) -> Option<(&Ident, Vec<Range<usize>>)> {
    let mut index = 0;
    let separator = |index: usize| is_joint_at(ty, index, ':') && is_punct(ty.get(index + 1), ':');
    if separator(0) {
        index = 2;
    }
    let mut last;
    loop {
        let Some(TokenTree::Ident(segment)) = ty.get(index) else {
            return None;
        };
        last = segment;
        index += 1;
        if separator(index) && matches!(ty.get(index + 2), Some(TokenTree::Ident(_))) {
            index += 2;
        } else {
            break;
        }
    }
    if index == ty.len() {
        return Some((last, Vec::new()));
    }
    if separator(index) {
        index += 2;
    }
    if !is_punct(ty.get(index), '<') {
        return None;
    }
    let close = closing_angle(ty, index)?;
    if close + 1 != ty.len() {
        return None;
    }
    let mut arguments = Vec::new();
    let mut start = index + 1;
    for part in split_top_level(&ty[index + 1..close]) {
        arguments.push(start..start + part.len());
        start += part.len() + 1;
    }
    Some((last, arguments))
}

/// `T` of `Result<T, E>` (or of a `Result<T>` alias): its range in `ty`.
pub fn result_ok(ty: &[TokenTree]) -> Option<Range<usize>> {
    let (last, arguments) = path_arguments(ty)?;
    if last != "Result" {
        return None;
    }
    let first = arguments.first()?.clone();
    is_type_argument(&ty[first.clone()]).then_some(first)
}

/// Whether a generic argument is a type, not a lifetime (`'a`), a const
/// (`3`, `{ N }`, `-1`) or an associated type (`Item = T`, `Item: Bound`).
fn is_type_argument(argument: &[TokenTree]) -> bool {
    match argument {
        [] => false,
        [TokenTree::Punct(p), ..] if matches!(p.as_char(), '\'' | '-') => false,
        [TokenTree::Literal(_), ..] => false,
        [TokenTree::Group(g)] if g.delimiter() == Delimiter::Brace => false,
        [TokenTree::Ident(_), TokenTree::Punct(p), ..] if p.as_char() == '=' && p.spacing() == Spacing::Alone => false,
        [TokenTree::Ident(_), TokenTree::Punct(p), ..] if p.as_char() == ':' && p.spacing() == Spacing::Alone => false,
        _ => true,
    }
}

/// `tokens` split at the commas outside generic arguments (`<...>`, a
/// `->` not closing one), without the empty part a trailing comma leaves.
fn split_top_level(tokens: &[TokenTree]) -> Vec<Vec<TokenTree>> {
    let mut parts = vec![Vec::new()];
    let mut angle = 0usize;
    for (index, token) in tokens.iter().enumerate() {
        match token {
            TokenTree::Punct(p) if p.as_char() == ',' && angle == 0 => {
                parts.push(Vec::new());
                continue;
            }
            TokenTree::Punct(p) if p.as_char() == '<' => angle += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !(index > 0 && is_joint(&tokens[index - 1], '-')) => {
                angle = angle.saturating_sub(1);
            }
            _ => {}
        }
        if let Some(part) = parts.last_mut() {
            part.push(token.clone());
        }
    }
    if parts.last().is_some_and(Vec::is_empty) {
        parts.pop();
    }
    parts
}

/// The `>` that closes the `<` at `open`, skipping the `>` of each `->`.
fn closing_angle(tokens: &[TokenTree], open: usize) -> Option<usize> {
    let mut depth = 0usize;
    for (index, token) in tokens.iter().enumerate().skip(open) {
        match token {
            TokenTree::Punct(p) if p.as_char() == '<' => depth += 1,
            TokenTree::Punct(p) if p.as_char() == '>' && !is_joint(&tokens[index - 1], '-') => {
                depth -= 1;
                if depth == 0 {
                    return Some(index);
                }
            }
            _ => {}
        }
    }
    None
}

/// The span of `tokens` from the first to the last (as `syn` spans a node).
pub fn span_of(tokens: &[TokenTree]) -> Span {
    let stream: TokenStream = tokens.iter().cloned().collect();
    syn::spanned::Spanned::span(&stream)
}

fn is_punct(token: Option<&TokenTree>, ch: char) -> bool {
    matches!(token, Some(TokenTree::Punct(p)) if p.as_char() == ch)
}

fn is_joint(token: &TokenTree, ch: char) -> bool {
    matches!(token, TokenTree::Punct(p) if p.as_char() == ch && p.spacing() == Spacing::Joint)
}

fn is_joint_at(tokens: &[TokenTree], index: usize, ch: char) -> bool {
    tokens.get(index).is_some_and(|token| is_joint(token, ch))
}

fn is_ident(token: Option<&TokenTree>, word: &str) -> bool {
    matches!(token, Some(TokenTree::Ident(ident)) if ident == word)
}

fn is_group(token: Option<&TokenTree>, delimiter: Delimiter) -> bool {
    matches!(token, Some(TokenTree::Group(g)) if g.delimiter() == delimiter)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn function(text: &str) -> syn::Result<Function> {
        parse(text.parse().unwrap())
    }

    fn text(tokens: &[TokenTree]) -> String {
        tokens.iter().cloned().collect::<TokenStream>().to_string()
    }

    #[test]
    fn reads_the_parts_strata_needs() {
        let f = function(
            "#[doc = \"x\"] pub(crate) async unsafe fn app<S: Clone>(#[allow(x)] mut state: S, \
             f: impl Fn(u8) -> Vec<u8>, m: HashMap<K, V>,) -> Result<Router, E> where S: Send { body(state) }",
        )
        .unwrap();
        assert_eq!(f.ident, "app");
        assert!(f.is_async && f.is_generic());
        assert_eq!(text(&f.vis), "pub (crate)");
        assert_eq!(f.inputs.len(), 3);
        let names: Vec<String> = f
            .inputs
            .iter()
            .map(|input| match &input.kind {
                InputKind::Named { ident, impl_trait } => format!("{ident}:{impl_trait}"),
                other => format!("{other:?}"),
            })
            .collect();
        assert_eq!(names, ["state:false", "f:true", "m:false"]);
        let (_, ty) = f.output.clone().unwrap();
        assert_eq!(text(&ty[result_ok(&ty).unwrap()]), "Router");
        assert_eq!(text(&f.where_clause), "where S : Send");
        assert_eq!(f.body.stream().to_string(), "body (state)");
    }

    #[test]
    fn patterns_and_receivers_are_told_apart() {
        let kinds = |text: &str| -> Vec<&'static str> {
            function(text)
                .unwrap()
                .inputs
                .iter()
                .map(|input| match input.kind {
                    InputKind::Named { .. } => "named",
                    InputKind::Pattern(_) => "pattern",
                    InputKind::Receiver(_) => "receiver",
                })
                .collect()
        };
        assert_eq!(
            kinds("fn f((a, b): (u8, u8), _: u8, ref x: u8, p::Q { x }: Q) {}"),
            ["pattern"; 4]
        );
        assert_eq!(
            kinds("fn f(&self, &'a mut self, mut self, self: Box<Self>) {}"),
            ["receiver"; 4]
        );
    }

    #[test]
    fn anything_else_is_not_a_function() {
        for item in [
            "struct App;",
            "fn app() -> Router;",
            "fn () {}",
            "fn app<T() {}",
            "fn app() Router {}",
            "",
        ] {
            let error = function(item).unwrap_err().to_string();
            assert!(
                error.starts_with("#[strata::stack] goes on a function"),
                "{item}: {error}"
            );
        }
    }

    #[test]
    fn return_types_are_read_by_their_outer_path() {
        let ty = |text: &str| text.parse::<TokenStream>().unwrap().into_iter().collect::<Vec<_>>();
        let ok = |text: &str| result_ok(&ty(text)).map(|range| self::text(&ty(text)[range]));
        assert_eq!(ok("anyhow::Result<Router>").as_deref(), Some("Router"));
        assert_eq!(ok("::std::result::Result<Vec<u8>, E>").as_deref(), Some("Vec < u8 >"));
        assert_eq!(ok("Result<'a, T>"), None);
        assert_eq!(ok("Result"), None);
        assert_eq!(ok("&Result<T, E>"), None);
        assert_eq!(ok("Result<T, E>::Output"), None);
        let router = ty("axum::Router<(), B>");
        let (last, arguments) = path_arguments(&router).unwrap();
        assert_eq!((last.to_string(), arguments.len()), ("Router".into(), 2));
    }
}
