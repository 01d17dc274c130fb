//! `bytes`: what a first visit to the widget and to the console downloads, and what the embed
//! snippet adds to a page of another site before its launcher is opened.

use reqwest::header::{ACCEPT_ENCODING, CACHE_CONTROL, CONTENT_ENCODING};
use reqwest::Url;

use crate::client::{Api, Result, ALICE};
use crate::stats::row;

/// A page's first load is a handful of files, but its split loader names every lazy chunk (the
/// console's are about 40); stop following references well past that.
const MAX_FILES: usize = 200;

/// A file to fetch, and whether only a script names it (the script may build another URL at
/// run time, so a miss there is not the page's miss).
struct Reference {
    url: Url,
    by_script: bool,
    /// Named by the WASM split loader (`cargo leptos --split`): a chunk fetched only when code
    /// in it is first called, not on the first load.
    lazy: bool,
}

/// The loader `cargo leptos --split` writes; the files it names are lazy chunks.
const SPLIT_LOADER: &str = "__wasm_split.";

/// One file as it crossed the wire.
struct Wire {
    path: String,
    status: u16,
    bytes: usize,
    encoding: Option<String>,
    cache_control: Option<String>,
}

pub async fn run(api: &Api) -> Result<()> {
    let alice = api.log_on(ALICE).await?;
    // The snippet makes the widget's frame only once its launcher is opened (or the visitor
    // holds a chat): until then a host page downloads embed.js and whatever it names.
    let visits = [
        ("/widget", "first visit to /widget".to_string(), api),
        ("/console", "first visit to /console".to_string(), &alice),
        ("/embed.js", "a host page with the embed snippet, launcher not opened".to_string(), api),
    ];
    for (page, what, caller) in visits {
        let page_url = Url::parse(&format!("{}{page}", caller.base()))?;
        let (mut first, mut lazy) = (Vec::new(), Vec::new());
        for file in files_of(caller, &page_url).await? {
            let fetched = fetch_compressed(caller, &file.url).await?;
            if fetched.status == 200 || !file.by_script {
                if file.lazy { &mut lazy } else { &mut first }.push(fetched);
            }
        }
        report(&what, &first);
        if !lazy.is_empty() {
            report(&format!("{what}, chunks loaded only when first needed"), &lazy);
        }
    }
    Ok(())
}

/// The page and every `.js`, `.css` and `.wasm` it references, plus what its scripts load.
async fn files_of(caller: &Api, page: &Url) -> Result<Vec<Reference>> {
    let mut files = vec![Reference { url: page.clone(), by_script: false, lazy: false }];
    let mut next = 0;
    while next < files.len() && files.len() < MAX_FILES {
        let (url, is_page) = (files[next].url.clone(), next == 0);
        let lazy = files[next].lazy || url.path().rsplit('/').next().is_some_and(|name| name.starts_with(SPLIT_LOADER));
        next += 1;
        if !is_page && !url.path().ends_with(".js") {
            continue;
        }
        let response = caller.get(url.as_str()).header(ACCEPT_ENCODING, "identity").send().await?;
        if !response.status().is_success() {
            continue;
        }
        let text = response.text().await?;
        let wanted: &[&str] = if is_page { &[".js", ".css", ".wasm"] } else { &[".js", ".wasm"] };
        for found in quoted_references(&text, &url, wanted) {
            if !files.iter().any(|f| f.url == found) {
                files.push(Reference { url: found, by_script: !is_page, lazy });
            }
        }
    }
    Ok(files)
}

/// Quoted strings in `text` ending in one of `extensions` (a query string allowed), resolved
/// against `base`, same origin only.
fn quoted_references(text: &str, base: &Url, extensions: &[&str]) -> Vec<Url> {
    let mut found = Vec::new();
    for quote in ['"', '\''] {
        let mut rest = text;
        while let Some(open) = rest.find(quote) {
            let after = &rest[open + 1..];
            let Some(close) = after.find(quote) else { break };
            let candidate = &after[..close];
            rest = &after[close + 1..];
            let path = candidate.split('?').next().unwrap_or_default();
            let plausible = candidate.len() < 300 && !candidate.contains(char::is_whitespace);
            if plausible && extensions.iter().any(|ext| path.ends_with(ext) && path.len() > ext.len()) {
                if let Ok(url) = base.join(candidate) {
                    if url.origin() == base.origin() && !found.contains(&url) {
                        found.push(url);
                    }
                }
            }
        }
    }
    found
}

async fn fetch_compressed(caller: &Api, url: &Url) -> Result<Wire> {
    let response = caller.get(url.as_str()).header(ACCEPT_ENCODING, "br, gzip").send().await?;
    let header =
        |name| response.headers().get(name).and_then(|v: &reqwest::header::HeaderValue| v.to_str().ok()).map(str::to_owned);
    let (encoding, cache_control, status) = (header(CONTENT_ENCODING), header(CACHE_CONTROL), response.status().as_u16());
    Ok(Wire { path: url.path().to_string(), status, bytes: response.bytes().await?.len(), encoding, cache_control })
}

fn report(what: &str, files: &[Wire]) {
    let kib = |b: usize| format!("{:.1} KiB", b as f64 / 1024.0);
    let total: usize = files.iter().filter(|f| f.status == 200).map(|f| f.bytes).sum();
    let each: Vec<String> = files
        .iter()
        .map(|f| match (f.status, &f.encoding) {
            (200, Some(enc)) => format!("{} {} ({enc})", f.path, kib(f.bytes)),
            (200, None) => format!("{} {}", f.path, kib(f.bytes)),
            (status, _) => format!("{} HTTP {status}", f.path),
        })
        .collect();
    let count = |has: fn(&Wire) -> bool| files.iter().filter(|f| f.status == 200 && has(f)).count();
    let ok = files.iter().filter(|f| f.status == 200).count();
    let cache: Vec<&str> = files.iter().filter_map(|f| f.cache_control.as_deref()).collect();
    row(
        format!("bytes: {what}, over the wire with `Accept-Encoding: br, gzip`"),
        format!(
            "{} in {ok} of {} files: {}; Content-Encoding on {} of {ok}, Cache-Control on {} of {ok}{}",
            kib(total),
            files.len(),
            each.join(", "),
            count(|f| f.encoding.is_some()),
            count(|f| f.cache_control.is_some()),
            if cache.is_empty() { String::new() } else { format!(" ({})", dedup(cache).join("; ")) }
        ),
    );
}

fn dedup(mut values: Vec<&str>) -> Vec<&str> {
    values.sort_unstable();
    values.dedup();
    values
}
