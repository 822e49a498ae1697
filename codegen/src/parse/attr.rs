//! The attribute's grammar, which mirrors TOML:
//!
//! ```text
//! attribute := entry ("," entry)* ","?
//! entry     := IDENT                   a middleware with its defaults
//!            | IDENT "(" table ")"     a middleware with options
//!            | IDENT "=" value         a stack setting (`order = "as-written"`)
//!            | "scope" "(" STRING ("," IDENT ("(" table ")")?)* ","? ")"
//!                                      middlewares for the paths that match
//! table     := (IDENT "=" value | IDENT "(" table ")") ("," ...)* ","?
//! value     := STRING | INTEGER | true | false | "[" value,* "]"
//!            | IDENT "(" table ")"     an inline table
//!            | EXPR                    only for `layer = <Rust expression>`,
//!                                      up to the next comma outside brackets,
//!                                      generic arguments and closure parameters
//! ```

use super::{expr, limits};
use crate::diag::Loc;
use crate::tree::{Document, Entry, ScopeEntry, Spanned, Table, Value};
use proc_macro2::{Span, TokenStream, TokenTree};
use syn::ext::IdentExt;
use syn::parse::{ParseStream, Parser};
use syn::{Token, bracketed, parenthesized};

/// Keys whose value is Rust code rather than data.
const EXPRESSION_KEYS: &[&str] = &["layer"];

pub fn parse(attribute: TokenStream) -> syn::Result<Document> {
    if let Some(span) = limits::too_deep(&attribute) {
        return Err(syn::Error::new(
            span,
            format!(
                "the attribute nests deeper than {} levels of brackets; strata stops here",
                limits::MAX_DEPTH
            ),
        ));
    }
    let parser = |input: ParseStream<'_>| {
        let mut document = Document::default();
        while !input.is_empty() {
            let key = key(input)?;
            if input.peek(Token![=]) {
                input.parse::<Token![=]>()?;
                let value = value(input, &key.value)?;
                document.settings.push(Entry { key, value });
            } else if key.value == "scope" && input.peek(syn::token::Paren) {
                let position = document.middlewares.len();
                document.scopes.push(scope(input, key, position)?);
            } else {
                let value = table_or_empty(input, &key)?;
                document.middlewares.push(Entry { key, value });
            }
            if input.is_empty() {
                break;
            }
            input.parse::<Token![,]>()?;
        }
        Ok(document)
    };
    parser.parse2(attribute)
}

fn loc(span: Span) -> Loc {
    Loc::Span(span)
}

fn key(input: ParseStream<'_>) -> syn::Result<Spanned<String>> {
    let ident = input
        .call(syn::Ident::parse_any)
        .map_err(|error| syn::Error::new(error.span(), "expected a middleware or option name"))?;
    Ok(Spanned::new(ident.unraw().to_string(), loc(ident.span())))
}

/// `name` alone is an empty table at the name; `name(...)` is a table.
fn table_or_empty(input: ParseStream<'_>, key: &Spanned<String>) -> syn::Result<Spanned<Value>> {
    if input.peek(syn::token::Paren) {
        let content;
        let paren = parenthesized!(content in input);
        let table = table(&content)?;
        Ok(Spanned::new(Value::Table(table), loc(paren.span.join())))
    } else {
        Ok(Spanned::new(Value::Table(Table::default()), key.loc.clone()))
    }
}

/// `("/api/*", jwt(...), ...)` after `scope`: the pattern, then middlewares
/// written as at the top level.
fn scope(input: ParseStream<'_>, key: Spanned<String>, position: usize) -> syn::Result<ScopeEntry> {
    let content;
    parenthesized!(content in input);
    let pattern: syn::LitStr = content.parse().map_err(|error| {
        syn::Error::new(
            error.span(),
            "a scope starts with its path pattern: scope(\"/api/*\", jwt(secret_env = \"JWT_SECRET\"))",
        )
    })?;
    let mut middlewares = Vec::new();
    while !content.is_empty() {
        content.parse::<Token![,]>()?;
        if content.is_empty() {
            break;
        }
        let name = self::key(&content)?;
        if content.peek(Token![=]) {
            return Err(syn::Error::new(
                content.span(),
                format!(
                    "`{}` is a stack setting; it applies to the whole stack, so write it outside the scope",
                    name.value
                ),
            ));
        }
        if name.value == "scope" && content.peek(syn::token::Paren) {
            // Read whole, and kept as an entry named `scope`, for the model
            // to say that scopes do not nest.
            let nested = scope(&content, name.clone(), 0)?;
            let value = Spanned::new(Value::Table(Table::default()), nested.pattern.loc);
            middlewares.push(Entry { key: name, value });
            continue;
        }
        let value = table_or_empty(&content, &name)?;
        middlewares.push(Entry { key: name, value });
    }
    Ok(ScopeEntry {
        key,
        pattern: Spanned::new(pattern.value(), loc(pattern.span())),
        middlewares,
        position,
    })
}

fn table(input: ParseStream<'_>) -> syn::Result<Table> {
    let mut table = Table::default();
    while !input.is_empty() {
        let key = key(input)?;
        let value = if input.peek(Token![=]) {
            input.parse::<Token![=]>()?;
            value(input, &key.value)?
        } else {
            table_or_empty(input, &key)?
        };
        table.entries.push(Entry { key, value });
        if input.is_empty() {
            break;
        }
        input.parse::<Token![,]>()?;
    }
    Ok(table)
}

/// A float literal without a suffix (`0.25`, `1e-3`), as `f64`.
fn float(literal: &syn::LitFloat) -> syn::Result<f64> {
    literal
        .base10_parse::<f64>()
        .map_err(|_| syn::Error::new(literal.span(), "this is not a number strata can read"))
}

/// `layer = <Rust expression>`: the tokens up to the comma that ends the
/// entry, checked but not parsed ([`super::expr`]), with their spans.
fn expression(input: ParseStream<'_>, key: &str) -> syn::Result<Spanned<Value>> {
    let rest: Vec<TokenTree> = input.fork().parse::<TokenStream>()?.into_iter().collect();
    let end = expr::end(&rest);
    let tokens = &rest[..end];
    if let Err(problem) = expr::check(tokens) {
        let at = problem.at.unwrap_or_else(|| input.span());
        return Err(syn::Error::new(
            at,
            if problem.limit {
                format!("this `{key}` expression {}; {}", problem.message, limits::HELP)
            } else {
                format!(
                    "this `{key}` value is not a Rust expression: {}\n\
                     help: write an expression that builds a tower Layer, e.g. `tower::limit::ConcurrencyLimitLayer::new(64)`",
                    problem.message
                )
            },
        ));
    }
    input.step(|cursor| {
        let mut rest = *cursor;
        for _ in 0..end {
            if let Some((_, next)) = rest.token_tree() {
                rest = next;
            }
        }
        Ok(((), rest))
    })?;
    let tokens: TokenStream = tokens.iter().cloned().collect();
    let span = syn::spanned::Spanned::span(&tokens);
    Ok(Spanned::new(Value::Expr(tokens), loc(span)))
}

fn value(input: ParseStream<'_>, key: &str) -> syn::Result<Spanned<Value>> {
    if EXPRESSION_KEYS.contains(&key) {
        return expression(input, key);
    }
    if input.peek(syn::LitStr) {
        let literal: syn::LitStr = input.parse()?;
        return Ok(Spanned::new(Value::Str(literal.value()), loc(literal.span())));
    }
    if input.peek(syn::LitInt) {
        let literal: syn::LitInt = input.parse()?;
        let number = literal
            .base10_parse::<i64>()
            .map_err(|_| syn::Error::new(literal.span(), "this number does not fit in a 64-bit integer"))?;
        return Ok(Spanned::new(Value::Int(number), loc(literal.span())));
    }
    if input.peek(syn::LitFloat) {
        let literal: syn::LitFloat = input.parse()?;
        return Ok(Spanned::new(Value::Float(float(&literal)?), loc(literal.span())));
    }
    if input.peek(Token![-]) && input.peek2(syn::LitFloat) {
        let minus: Token![-] = input.parse()?;
        let literal: syn::LitFloat = input.parse()?;
        return Ok(Spanned::new(Value::Float(-float(&literal)?), loc(minus.span)));
    }
    if input.peek(Token![-]) && input.peek2(syn::LitInt) {
        let minus: Token![-] = input.parse()?;
        let literal: syn::LitInt = input.parse()?;
        let number = literal
            .base10_parse::<i64>()
            .map_err(|_| syn::Error::new(literal.span(), "this number does not fit in a 64-bit integer"))?;
        return Ok(Spanned::new(Value::Int(-number), loc(minus.span)));
    }
    if input.peek(syn::LitBool) {
        let literal: syn::LitBool = input.parse()?;
        return Ok(Spanned::new(Value::Bool(literal.value), loc(literal.span)));
    }
    if input.peek(syn::token::Bracket) {
        let content;
        let bracket = bracketed!(content in input);
        let mut items = Vec::new();
        while !content.is_empty() {
            items.push(value(&content, key)?);
            if content.is_empty() {
                break;
            }
            content.parse::<Token![,]>()?;
        }
        return Ok(Spanned::new(Value::Array(items), loc(bracket.span.join())));
    }
    if input.peek(syn::Ident) && input.peek2(syn::token::Paren) {
        let name = self::key(input)?;
        return table_or_empty(input, &name);
    }
    Err(input.error(format!(
        "expected a value for `{key}`: a string, an integer, true/false, a list `[...]` or a table `name(...)`"
    )))
}

#[cfg(test)]
mod tests {
    use super::*;
    use quote::quote;

    #[test]
    fn reads_middlewares_settings_and_values() {
        let document = parse(quote! {
            order = "as-written",
            request_id,
            cors(allow_origins = ["https://a.example"], max_age = 10, allow_credentials = true),
            security_headers(hsts(max_age = 31536000)),
            custom(layer = tower_http::timeout::TimeoutLayer::new(std::time::Duration::from_secs(1))),
        })
        .unwrap();
        assert_eq!(document.settings.len(), 1);
        let names: Vec<_> = document.middlewares.iter().map(|e| e.key.value.as_str()).collect();
        assert_eq!(names, ["request_id", "cors", "security_headers", "custom"]);
        let Value::Table(cors) = &document.middlewares[1].value.value else {
            panic!()
        };
        assert!(matches!(&cors.entries[0].value.value, Value::Array(items) if items.len() == 1));
        assert!(matches!(cors.entries[1].value.value, Value::Int(10)));
        assert!(matches!(cors.entries[2].value.value, Value::Bool(true)));
        let Value::Table(custom) = &document.middlewares[3].value.value else {
            panic!()
        };
        assert!(matches!(custom.entries[0].value.value, Value::Expr(_)));
    }

    #[test]
    fn reads_scopes_with_their_position() {
        let document = parse(quote! {
            request_id,
            scope("/api/*", jwt(secret_env = "S"), rate_limit),
            cors,
            scope("/admin/*",),
        })
        .unwrap();
        let names: Vec<_> = document.middlewares.iter().map(|e| e.key.value.as_str()).collect();
        assert_eq!(names, ["request_id", "cors"]);
        assert_eq!(document.scopes.len(), 2);
        let api = &document.scopes[0];
        assert_eq!(api.pattern.value, "/api/*");
        assert_eq!(api.position, 1);
        let inside: Vec<_> = api.middlewares.iter().map(|e| e.key.value.as_str()).collect();
        assert_eq!(inside, ["jwt", "rate_limit"]);
        assert_eq!(document.scopes[1].position, 2);
        assert!(document.scopes[1].middlewares.is_empty());
    }

    #[test]
    fn a_scope_needs_its_pattern_first_and_no_settings() {
        let missing = parse(quote!(scope(jwt))).unwrap_err().to_string();
        assert!(missing.contains("starts with its path pattern"), "{missing}");
        let setting = parse(quote!(scope("/a/*", order = "as-written")))
            .unwrap_err()
            .to_string();
        assert!(setting.contains("stack setting"), "{setting}");
    }

    #[test]
    fn rejects_what_is_not_a_value() {
        assert!(parse(quote!(cors(max_age = +))).is_err());
        assert!(parse(quote!(cors(max_age = 99999999999999999999999))).is_err());
    }
}
