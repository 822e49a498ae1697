//! `api_key`: requests must present one of the keys from the environment.

use super::{Config, Def, header_name_tokens, private, startup};
use crate::diag::{Diagnostics, Level, Loc};
use crate::lower::{Cx, Lowered, path_list};
use crate::model::{Reader, StackSpec};
use crate::rules::{self, Rule};
use crate::tree::Spanned;
use quote::quote;

pub static DEF: Def = Def {
    name: "api_key",
    aliases: &[],
    rank: 131,
    why: "auth runs inside the limits that guard it from brute force, and after the session exists (just inside `jwt` when both are used, so the written order never decides)",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"keys_env = "API_KEYS""#,
    read,
    rules: &[
        Rule {
            code: rules::HEADER_VALUE,
            level: Level::Error,
            summary: "`api_key.header` is not a valid header name",
            check: Some(check_header),
        },
        Rule {
            code: rules::WRONG_VALUE,
            level: Level::Error,
            summary: "`api_key`: an invalid environment variable name",
            check: Some(check_names),
        },
    ],
};

#[derive(Clone, Debug)]
pub struct ApiKey {
    pub header: Option<Spanned<String>>,
    pub keys_env: Option<Spanned<String>>,
    pub public_paths: Option<Spanned<Vec<Spanned<String>>>>,
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    let header = reader.string("header");
    let keys_env = reader.string("keys_env");
    let keys_env = reader.require(keys_env, "keys_env", at, "\"API_KEYS\"");
    Config::ApiKey(ApiKey {
        header,
        keys_env,
        public_paths: reader.paths("public_paths"),
    })
}

impl ApiKey {
    pub fn lower(&self, cx: &Cx) -> Lowered {
        let private = private();
        let header = header_name_tokens(self.header.as_ref().map_or("x-api-key", |h| h.value.as_str()));
        let public_paths = path_list(self.public_paths.as_ref());
        let variable = self.keys_env.as_ref().map_or("", |v| v.value.as_str());
        let keys = cx.env_checked(variable, "api_key.keys_env", quote!(key_list));
        let layer = startup(
            cx,
            quote!(#private::runtime::api_key::ApiKeyLayer::new(&__STRATA_API_KEY, &#keys, #variable)),
        );
        Lowered::layer(layer).with_items(quote! {
            static __STRATA_API_KEY: #private::runtime::api_key::ApiKeyPolicy =
                #private::runtime::api_key::ApiKeyPolicy {
                    header: #header,
                    public_paths: #public_paths,
                };
        })
    }
}

/// The key's header name becomes a `HeaderName::from_static` in the
/// generated code; a name that is not one must fail here, on the key.
fn check_header(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<ApiKey>() {
        if let Some(header) = &config.header {
            rules::header_name(rules::HEADER_VALUE, "api_key.header", header, diagnostics);
        }
    }
}

fn check_names(spec: &StackSpec, diagnostics: &mut Diagnostics) {
    for config in spec.each::<ApiKey>() {
        if let Some(variable) = &config.keys_env {
            check_env_name("api_key.keys_env", variable, diagnostics);
        }
    }
}

// Moved to the leaf `checks`; this path stays for the other middlewares.
pub(crate) use crate::checks::check_env_name;
