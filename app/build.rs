//! Lists the widget's languages, `locales/<lang>.ftl`, for the server (`i18n::catalog`):
//! adding a language is adding its file; nothing else names them.

use std::{env, fs, path::Path};

fn main() {
    let dir = Path::new(&env::var("CARGO_MANIFEST_DIR").unwrap()).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut found: Vec<(String, String)> = fs::read_dir(&dir)
        .expect("app/locales")
        .flatten()
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|ext| ext == "ftl"))
        .map(|path| {
            println!("cargo:rerun-if-changed={}", path.display());
            (path.file_stem().unwrap().to_string_lossy().into_owned(), path.display().to_string())
        })
        .collect();
    found.sort();
    let entries: String =
        found.iter().map(|(lang, path)| format!("    ({lang:?}, include_str!({path:?})),\n")).collect();
    let code = format!("/// Each language's code and its Fluent source.\npub static LOCALES: &[(&str, &str)] = &[\n{entries}];\n");
    fs::write(Path::new(&env::var("OUT_DIR").unwrap()).join("locales.rs"), code).unwrap();
}
