//! The end user's language (issue 17). Texts live in Fluent files, one per language
//! (`app/locales/<lang>.ftl`; adding a language is adding its file). The server reads them with
//! Project Fluent's own crates (`catalog`, ssr only), chooses the page's language (the embed
//! snippet's `data-lang`, else the browser's `Accept-Language`) and resolves every message of
//! that language into a flat table, [`Texts`], which the page carries (`shell`). The browser
//! fills in the arguments and asks its own `Intl` for plural categories and times: the widget's
//! WASM holds no i18n library and no language (measured: `fluent-bundle` in a WASM built and
//! optimised as ours adds 105 KB, 50 KB gzipped, to a page whose budget is 150 KB).

#[cfg(feature = "ssr")]
pub mod catalog;

use std::collections::HashMap;
use std::sync::Arc;

use serde::{Deserialize, Serialize};

/// The id of the page's element holding its [`Texts`] as JSON (written by `shell`).
pub const TEXTS_ELEMENT: &str = "deskchat-texts";

/// Texts whose ids begin so are written by the server only (emails) and left out of pages.
pub const SERVER_ONLY: &str = "mail-";

/// One language's resolved messages. A message is a text with `{$name}` where an argument
/// goes; a plural one is also kept once per category, as `id[one]`, `id[other]`, ….
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Table {
    pub lang: String,
    pub texts: HashMap<String, String>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Texts(Arc<Table>);

impl Texts {
    pub fn new(table: Table) -> Texts {
        Texts(Arc::new(table))
    }

    /// The BCP 47 code of the language, for `<html lang>` and `Intl`.
    pub fn lang(&self) -> &str {
        &self.0.lang
    }

    pub fn table(&self) -> &Table {
        &self.0
    }

    /// The table a page carries: without the server's own texts (ids `mail-…`, the emails it
    /// writes), which no page shows.
    pub fn page_table(&self) -> Table {
        let texts = self.0.texts.iter().filter(|(id, _)| !id.starts_with(SERVER_ONLY)).map(|(k, v)| (k.clone(), v.clone()));
        Table { lang: self.0.lang.clone(), texts: texts.collect() }
    }

    /// The message `id` (its id itself if the catalog lacks it: visible, never a panic).
    pub fn get(&self, id: &str) -> String {
        self.0.texts.get(id).cloned().unwrap_or_else(|| id.to_string())
    }

    /// The message `id` with its arguments filled in.
    pub fn fill(&self, id: &str, args: &[(&str, &str)]) -> String {
        fill_in(self.get(id), args)
    }

    /// The message `id` for the number `n` (argument `count_arg`), in the sentence of `n`'s
    /// plural category in this language; the other arguments filled in as by [`Texts::fill`].
    pub fn count(&self, id: &str, count_arg: &str, n: i64, args: &[(&str, &str)]) -> String {
        let category = plural_category(self.lang(), n);
        let text = self.0.texts.get(&format!("{id}[{category}]")).cloned().unwrap_or_else(|| self.get(id));
        let n = n.to_string();
        let mut all = vec![(count_arg, n.as_str())];
        all.extend_from_slice(args);
        fill_in(text, &all)
    }
}

/// `{$name}` → its argument, in one pass over the text: an argument's value is never read
/// again, so a name like "{$group}" typed by an end user stays as typed.
fn fill_in(text: String, args: &[(&str, &str)]) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text.as_str();
    while let Some(at) = rest.find("{$") {
        out.push_str(&rest[..at]);
        let after = &rest[at + 2..];
        match after.find('}').map(|end| (&after[..end], &after[end + 1..])) {
            Some((name, tail)) => {
                match args.iter().find(|(n, _)| *n == name) {
                    Some((_, value)) => out.push_str(value),
                    None => {
                        out.push_str("{$");
                        out.push_str(name);
                        out.push('}');
                    }
                }
                rest = tail;
            }
            None => {
                out.push_str(&rest[at..]);
                rest = "";
            }
        }
    }
    out.push_str(rest);
    out
}

/// CLDR's plural category of `n` in `lang` ("one", "few", "other", …): the browser's
/// `Intl.PluralRules`, and on the server the same rules from `intl_pluralrules`.
pub fn plural_category(lang: &str, n: i64) -> String {
    #[cfg(feature = "hydrate")]
    {
        let locales = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(lang));
        let rules = js_sys::Intl::PluralRules::new(&locales, &js_sys::Object::new());
        return String::from(rules.select(n as f64));
    }
    #[cfg(all(feature = "ssr", not(feature = "hydrate")))]
    {
        return catalog::plural_category(lang, n);
    }
    #[allow(unreachable_code)]
    {
        let _ = lang;
        if n == 1 { "one" } else { "other" }.to_string()
    }
}

/// The texts of this page: on the server those `shell` chose for the request (English when
/// rendered outside one); in the browser those the page carries, read once.
pub fn texts() -> Texts {
    #[cfg(feature = "hydrate")]
    {
        thread_local! {
            static PAGE: Texts = page_texts();
        }
        return PAGE.with(Texts::clone);
    }
    #[allow(unreachable_code)]
    {
        #[cfg(feature = "ssr")]
        if let Some(texts) = leptos::prelude::use_context::<Texts>() {
            return texts;
        }
        #[cfg(feature = "ssr")]
        return catalog::catalog().english();
        #[allow(unreachable_code)]
        Texts::new(Table { lang: "en".into(), texts: HashMap::new() })
    }
}

#[cfg(feature = "hydrate")]
fn page_texts() -> Texts {
    use wasm_bindgen::{JsCast, JsValue};
    // The browser's own JSON.parse: decoding the table with serde would be code in every
    // visitor's download (README, Bytes).
    let page = leptos::prelude::document()
        .get_element_by_id(TEXTS_ELEMENT)
        .and_then(|element| element.text_content())
        .and_then(|json| js_sys::JSON::parse(&json).ok());
    let field = |of: &JsValue, name: &str| js_sys::Reflect::get(of, &JsValue::from_str(name)).ok();
    let lang = page.as_ref().and_then(|p| field(p, "lang")).and_then(|l| l.as_string()).unwrap_or_else(|| "en".into());
    let mut texts = HashMap::new();
    if let Some(table) = page.as_ref().and_then(|p| field(p, "texts")).and_then(|t| t.dyn_into::<js_sys::Object>().ok()) {
        for entry in js_sys::Object::entries(&table).iter() {
            let pair: js_sys::Array = entry.unchecked_into();
            if let (Some(id), Some(text)) = (pair.get(0).as_string(), pair.get(1).as_string()) {
                texts.insert(id, text);
            }
        }
    }
    Texts::new(Table { lang, texts })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts() -> Texts {
        let texts = [
            ("greet", "Hello { $name }, { $name }!"),
            ("wait", "about {$minutes} minutes in {$group}"),
            ("wait[one]", "about a minute in {$group}"),
            ("wait[other]", "about {$minutes} minutes in {$group}"),
        ];
        let texts = texts.iter().map(|(k, v)| (k.to_string(), v.replace("{ $", "{$").replace(" }", "}"))).collect();
        Texts::new(Table { lang: "en".into(), texts })
    }

    #[test]
    fn arguments_are_filled_in_everywhere_they_appear() {
        assert_eq!(texts().fill("greet", &[("name", "Ann")]), "Hello Ann, Ann!");
    }

    #[test]
    fn what_an_argument_holds_is_never_read_as_a_placeholder() {
        let t = Texts::new(Table { lang: "en".into(), texts: [("x".to_string(), "{$a} and {$b} {$c".to_string())].into() });
        assert_eq!(t.fill("x", &[("a", "{$b}"), ("b", "B")]), "{$b} and B {$c");
        assert_eq!(t.fill("x", &[]), "{$a} and {$b} {$c", "an argument not given stays visible");
    }

    #[test]
    fn an_unknown_id_shows_itself() {
        assert_eq!(texts().get("nope"), "nope");
    }

    #[test]
    fn a_count_picks_its_categorys_sentence() {
        let t = texts();
        assert_eq!(t.count("wait", "minutes", 1, &[("group", "Network")]), "about a minute in Network");
        assert_eq!(t.count("wait", "minutes", 4, &[("group", "Network")]), "about 4 minutes in Network");
    }
}
