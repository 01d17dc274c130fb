//! The server's side of the languages: reads every `app/locales/<lang>.ftl` (compiled in by
//! `build.rs`) with `fluent-bundle`, resolves each language into its [`Texts`] once, and
//! chooses a request's language with `fluent-langneg`.

use std::collections::HashMap;
use std::sync::OnceLock;

use fluent_bundle::{FluentBundle, FluentResource};
use fluent_langneg::{accepted_languages, negotiate_languages, NegotiationStrategy};
use fluent_syntax::ast;
use intl_pluralrules::{PluralCategory, PluralRuleType, PluralRules};
use unic_langid::LanguageIdentifier;

use super::{Table, Texts};

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

/// The reference language: every other falls back to it, message by message.
pub const FALLBACK: &str = "en";

pub struct Catalog {
    languages: Vec<LanguageIdentifier>,
    tables: HashMap<String, Texts>,
}

/// The catalog of the languages compiled in, resolved on first use.
pub fn catalog() -> &'static Catalog {
    static CATALOG: OnceLock<Catalog> = OnceLock::new();
    CATALOG.get_or_init(|| Catalog::build(LOCALES).unwrap_or_else(|errors| panic!("app/locales: {}", errors.join("; "))))
}

impl Catalog {
    /// Resolves every language of `sources` (code, Fluent source); any file that does not parse
    /// or uses a shape the page's tables cannot carry is an error naming it.
    pub fn build(sources: &[(&str, &str)]) -> Result<Catalog, Vec<String>> {
        let mut errors = Vec::new();
        let mut resolved = HashMap::new();
        for (code, source) in sources {
            match resolve(code, source) {
                Ok(language) => {
                    resolved.insert(code.to_string(), language);
                }
                Err(found) => errors.extend(found.into_iter().map(|e| format!("{code}.ftl: {e}"))),
            }
        }
        let Some((_, reference)) = resolved.get(FALLBACK).cloned() else {
            errors.push(format!("{FALLBACK}.ftl is missing"));
            return Err(errors);
        };
        if !errors.is_empty() {
            return Err(errors);
        }
        let mut languages = Vec::new();
        let mut tables = HashMap::new();
        for (code, (langid, own)) in resolved {
            languages.push(langid);
            // Whatever this language lacks is said in the reference language (a message, with
            // all its plural forms: a language's categories are its own).
            let has: std::collections::HashSet<&str> = own.keys().map(|id| base_id(id)).collect();
            let mut texts = reference.clone();
            texts.retain(|id, _| !has.contains(base_id(id)));
            texts.extend(own);
            tables.insert(code.clone(), Texts::new(Table { lang: code, texts }));
        }
        languages.sort_by_key(|l| l.to_string());
        Ok(Catalog { languages, tables })
    }

    /// The languages there are, by code.
    pub fn languages(&self) -> Vec<String> {
        self.languages.iter().map(|l| l.to_string()).collect()
    }

    pub fn texts(&self, lang: &str) -> Texts {
        self.tables.get(lang).or_else(|| self.tables.get(FALLBACK)).cloned().expect("the reference language")
    }

    pub fn english(&self) -> Texts {
        self.texts(FALLBACK)
    }

    /// The language for a page: the one asked for (the embed snippet's `data-lang`, as
    /// `?lang=`) if there is such a language, else the best of the browser's
    /// `Accept-Language`, else the reference language.
    pub fn negotiate(&self, asked: Option<&str>, accept_language: Option<&str>) -> String {
        let mut wanted: Vec<LanguageIdentifier> = asked.and_then(|a| a.trim().parse().ok()).into_iter().collect();
        wanted.extend(accept_language.map(accepted_languages::parse).unwrap_or_default());
        let fallback: LanguageIdentifier = FALLBACK.parse().expect("a language code");
        let chosen = negotiate_languages(&wanted, &self.languages, Some(&fallback), NegotiationStrategy::Lookup);
        chosen.first().map_or_else(|| FALLBACK.to_string(), |l| l.to_string())
    }
}

/// The texts for the page being rendered: the widget's in the language negotiated from its
/// `?lang=` and the request's `Accept-Language`; agents' pages in English (the console is not
/// translated yet).
pub fn for_request() -> Texts {
    let catalog = catalog();
    let Some(parts) = leptos::prelude::use_context::<axum::http::request::Parts>() else { return catalog.english() };
    if parts.uri.path() != "/widget" {
        return catalog.english();
    }
    let asked = parts.uri.query().and_then(|query| {
        query.split('&').find_map(|pair| pair.strip_prefix("lang=")).map(|lang| lang.to_string())
    });
    let accept = parts.headers.get(axum::http::header::ACCEPT_LANGUAGE).and_then(|v| v.to_str().ok());
    catalog.texts(&catalog.negotiate(asked.as_deref(), accept))
}

/// `id[one]` → `id`.
fn base_id(id: &str) -> &str {
    id.split('[').next().unwrap_or(id)
}

/// One language's messages as page texts: plain ones resolved with `{$name}` left where an
/// argument goes; a whole-message select once per variant (`id[key]`) and its default as `id`.
fn resolve(code: &str, source: &str) -> Result<(LanguageIdentifier, HashMap<String, String>), Vec<String>> {
    let langid: LanguageIdentifier = code.parse().map_err(|_| vec!["the file's name is not a language code".to_string()])?;
    let resource = FluentResource::try_new(source.to_string())
        .map_err(|(_, errors)| errors.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>())?;
    let mut problems = Vec::new();
    let mut ids = Vec::new();
    for entry in resource.entries() {
        match entry {
            ast::Entry::Message(message) if message.attributes.is_empty() && message.value.is_some() => {
                let pattern = message.value.as_ref().expect("checked");
                if let Err(why) = check_pattern(pattern, true) {
                    problems.push(format!("{}: {why}", message.id.name));
                }
                ids.push(message.id.name.to_string());
            }
            ast::Entry::Message(message) => problems.push(format!("{}: attributes or no value", message.id.name)),
            ast::Entry::Term(term) => problems.push(format!("-{}: terms are not supported", term.id.name)),
            _ => {}
        }
    }
    if !problems.is_empty() {
        return Err(problems);
    }

    let mut bundle = FluentBundle::new(vec![langid.clone()]);
    // Isolation marks around arguments would be left in the page's texts for no reader's gain
    // in these left-to-right languages.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).map_err(|errors| errors.iter().map(|e| format!("{e:?}")).collect::<Vec<_>>())?;
    let mut texts = HashMap::new();
    for id in ids {
        let message = bundle.get_message(&id).expect("added");
        let pattern = message.value().expect("checked");
        // Arguments are not given: Fluent writes `{$name}` where each goes (an error we expect).
        let mut expected = Vec::new();
        match pattern.elements.as_slice() {
            [ast::PatternElement::Placeable { expression: ast::Expression::Select { variants, .. } }] => {
                for variant in variants {
                    let key = match &variant.key {
                        ast::VariantKey::Identifier { name } => name.to_string(),
                        ast::VariantKey::NumberLiteral { value } => value.to_string(),
                    };
                    let text = bundle.format_pattern(&variant.value, None, &mut expected).into_owned();
                    if variant.default {
                        texts.insert(id.clone(), text.clone());
                    }
                    texts.insert(format!("{id}[{key}]"), text);
                }
            }
            _ => {
                texts.insert(id.clone(), bundle.format_pattern(pattern, None, &mut expected).into_owned());
            }
        }
    }
    Ok((langid, texts))
}

/// Text and `{ $argument }` only; a select only as the whole message, on an argument.
fn check_pattern(pattern: &ast::Pattern<&str>, whole: bool) -> Result<(), String> {
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { .. } => {}
            ast::PatternElement::Placeable { expression: ast::Expression::Inline(ast::InlineExpression::VariableReference { .. }) } => {}
            ast::PatternElement::Placeable {
                expression: ast::Expression::Select { selector: ast::InlineExpression::VariableReference { .. }, variants },
            } if whole && pattern.elements.len() == 1 => {
                for variant in variants {
                    check_pattern(&variant.value, false)?;
                }
            }
            _ => return Err("only text, { $arguments } and a whole-message plural select".to_string()),
        }
    }
    Ok(())
}

/// CLDR's plural category of `n` in `lang`, as the browser's `Intl.PluralRules` says it.
pub fn plural_category(lang: &str, n: i64) -> String {
    let category = lang
        .parse::<LanguageIdentifier>()
        .ok()
        .and_then(|langid| PluralRules::create(langid, PluralRuleType::CARDINAL).ok())
        .and_then(|rules| rules.select(n).ok())
        .unwrap_or(PluralCategory::OTHER);
    match category {
        PluralCategory::ZERO => "zero",
        PluralCategory::ONE => "one",
        PluralCategory::TWO => "two",
        PluralCategory::FEW => "few",
        PluralCategory::MANY => "many",
        PluralCategory::OTHER => "other",
    }
    .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    const EN: &str = "hello = Hello { $name }!\nwait = { $minutes ->\n    [one] A minute.\n   *[other] { $minutes } minutes.\n}\nonly-en = English only\n";
    const DE: &str = "hello = Hallo { $name }!\nwait = { $minutes ->\n    [one] Eine Minute.\n   *[other] { $minutes } Minuten.\n}\n";

    fn small() -> Catalog {
        Catalog::build(&[("en", EN), ("de", DE)]).expect("builds")
    }

    #[test]
    fn every_shipped_language_builds_and_has_every_english_message() {
        let catalog = catalog();
        assert!(catalog.languages().len() >= 4, "{:?}", catalog.languages());
        let english = catalog.english();
        for lang in catalog.languages() {
            let (_, own) = resolve(&lang, LOCALES.iter().find(|(l, _)| *l == lang).unwrap().1).unwrap();
            for id in english.table().texts.keys().filter(|id| !id.contains('[')) {
                assert!(own.contains_key(id), "{lang}.ftl lacks {id}");
            }
            for (id, text) in &own {
                // Every argument the English message has, the translation has, and no other.
                let args = |t: &str| {
                    let mut found: Vec<String> = t.split("{$").skip(1).filter_map(|s| s.split('}').next()).map(String::from).collect();
                    found.sort();
                    found.dedup();
                    found
                };
                let english_text = english.table().texts.get(id).or_else(|| english.table().texts.get(base_id(id)));
                if let Some(english_text) = english_text.filter(|_| !id.contains('[')) {
                    assert_eq!(args(text), args(english_text), "{lang}.ftl {id}");
                }
            }
        }
    }

    #[test]
    fn messages_resolve_with_their_arguments_left_to_fill() {
        let de = small().texts("de");
        assert_eq!(de.get("hello"), "Hallo {$name}!");
        assert_eq!(de.fill("hello", &[("name", "Ann")]), "Hallo Ann!");
        assert_eq!(de.table().texts.get("wait[one]").unwrap(), "Eine Minute.");
        assert_eq!(de.count("wait", "minutes", 1, &[]), "Eine Minute.");
        assert_eq!(de.count("wait", "minutes", 3, &[]), "3 Minuten.");
    }

    #[test]
    fn a_missing_message_falls_back_to_english() {
        assert_eq!(small().texts("de").get("only-en"), "English only");
    }

    #[test]
    fn the_snippets_language_wins_then_the_browsers_then_english() {
        let c = small();
        assert_eq!(c.negotiate(Some("de"), Some("en-US,en;q=0.9")), "de");
        assert_eq!(c.negotiate(Some("it"), Some("de-CH, en;q=0.5")), "de", "a language we lack falls to the browser's");
        assert_eq!(c.negotiate(None, Some("fr-FR, de;q=0.8")), "de");
        assert_eq!(c.negotiate(None, Some("fr-FR")), "en");
        assert_eq!(c.negotiate(Some("not a code!"), None), "en");
        assert_eq!(c.negotiate(None, None), "en");
    }

    #[test]
    fn shapes_the_page_cannot_carry_are_refused_by_name() {
        let nested = "x = Hi { $n ->\n   *[other] many\n}\n";
        let errors = Catalog::build(&[("en", nested)]).err().expect("refused");
        assert!(errors[0].contains("en.ftl: x"), "{errors:?}");
        let term = "-brand = Deskchat\nx = { -brand }\n";
        assert!(Catalog::build(&[("en", term)]).is_err());
        assert!(Catalog::build(&[("de", DE)]).is_err(), "English is required");
    }

    #[test]
    fn plural_categories_follow_cldr() {
        assert_eq!(plural_category("en", 1), "one");
        assert_eq!(plural_category("en", 0), "other");
        assert_eq!(plural_category("fr", 0), "one", "French counts zero as one");
        assert_eq!(plural_category("de", 2), "other");
    }
}
