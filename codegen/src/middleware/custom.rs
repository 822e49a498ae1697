//! `custom`: any tower `Layer` the user writes, placed by constraints.

use super::{Config, Def, private};
use crate::diag::Loc;
use crate::lower::{Cx, Lowered};
use crate::model::Reader;
use crate::tree::Spanned;
use proc_macro2::TokenStream;
use quote::{quote, quote_spanned};

pub static DEF: Def = Def {
    name: "custom",
    aliases: &[],
    rank: 140,
    why: "custom layers run after auth has decided, and outside timing",
    whole_app: None,
    must_wrap: &[],
    must_wrap_why: "",
    wrapped_by: &[],
    wrapped_by_why: "",
    example: r#"name = "audit", layer = tower::layer::util::Identity::new()"#,
    read,
    rules: &[],
};

#[derive(Clone, Debug)]
pub struct Custom {
    /// Where the entry was written, to name unnamed layers (`custom#2`).
    pub ordinal: usize,
    pub name: Option<Spanned<String>>,
    pub layer: Option<Spanned<TokenStream>>,
    pub before: Option<Spanned<String>>,
    pub after: Option<Spanned<String>>,
    /// The layer reads `strata::Session`, so `session` must wrap it
    /// (DESIGN's "session outside any custom that reads the session").
    pub reads_session: Option<Spanned<bool>>,
}

impl Custom {
    pub fn display_name(&self) -> String {
        match &self.name {
            Some(name) => name.value.clone(),
            None => format!("custom#{}", self.ordinal),
        }
    }

    pub fn lower(&self, _cx: &Cx) -> Lowered {
        let private = private();
        let Some(layer) = &self.layer else {
            return Lowered::default();
        };
        let expr = &layer.value;
        // Spanned on the user's expression, the path included (not
        // `private()`'s call-site tokens), so a value that is not a Layer is
        // reported on their tokens, "required by this call" too.
        let user_layer = quote_spanned!(layer.loc.span()=> ::strata::__private::runtime::custom::custom_layer(#expr));
        // A custom layer may change the body type or fail; axum's `serve`
        // wants its own body back, and the layers outside expect one body
        // type and no error: such a layer goes under an `IntoAxumBody`,
        // chosen by its type (runtime `custom::Placement`).
        Lowered::layer(quote!({
            #[allow(unused_imports)]
            use #private::runtime::custom::{PlaceAlone as _, PlaceConverted as _};
            (&#private::runtime::custom::Placement::new(#user_layer)).place()
        }))
    }
}

fn read(reader: &mut Reader<'_>, at: &Loc) -> Config {
    let layer = reader.expr("layer");
    let layer = reader.require(layer, "layer", at, "my_crate::MyLayer::new()");
    Config::Custom(Custom {
        ordinal: 0,
        name: reader.string("name"),
        layer,
        before: reader.string("before"),
        after: reader.string("after"),
        reads_session: reader.bool("reads_session").filter(|flag| flag.value),
    })
}
