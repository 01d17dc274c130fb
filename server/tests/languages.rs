//! The widget's languages (issue 17): the page is rendered in the language the embed snippet
//! asks for (`?lang=`), else the browser's `Accept-Language`, else English, and carries that
//! language's texts — only that one — for the browser; agents' pages stay English.
mod common;

use app::i18n::Table;
use common::*;

async fn page(server: &TestServer, path: &str, accept_language: Option<&str>) -> String {
    let mut request = reqwest::Client::new().get(format!("{}{path}", server.base_url()));
    if let Some(accept) = accept_language {
        request = request.header("accept-language", accept);
    }
    let response = request.send().await.unwrap();
    assert_eq!(response.status(), StatusCode::OK, "{path}");
    response.text().await.unwrap()
}

fn html_lang(html: &str) -> String {
    html.split("<html lang=\"").nth(1).and_then(|rest| rest.split('"').next()).expect("<html lang>").to_string()
}

/// The texts the page carries for the browser.
fn texts(html: &str) -> Table {
    let json = html
        .split("id=\"deskchat-texts\"")
        .nth(1)
        .and_then(|rest| rest.split_once('>'))
        .and_then(|(_, rest)| rest.split("</script>").next())
        .expect("the texts element");
    serde_json::from_str(json).expect("the texts are JSON")
}

#[tokio::test]
async fn the_widget_speaks_the_snippets_language_else_the_browsers_else_english() {
    let server = TestServer::start().await;
    let cases = [
        ("/widget?lang=de", Some("fr-FR,fr;q=0.9"), "de", "Servicedesk"),
        ("/widget?group=Network&lang=es", None, "es", "Chat"),
        ("/widget?lang=it", Some("fr-CH, en;q=0.5"), "fr", "Chat"),
        ("/widget", Some("de-AT"), "de", "Servicedesk"),
        ("/widget", Some("ja, pt-BR;q=0.8"), "en", "Service desk chat"),
        ("/widget", None, "en", "Service desk chat"),
    ];
    for (path, accept, lang, title_part) in cases {
        let html = page(&server, path, accept).await;
        assert_eq!(html_lang(&html), lang, "{path} {accept:?}");
        let table = texts(&html);
        assert_eq!(table.lang, lang);
        let title = &table.texts["widget-title"];
        assert!(title.contains(title_part), "{path}: {title}");
        // The server-rendered heading is in that language too.
        assert!(html.contains(&format!("<h1>{title}</h1>")), "{path}: no <h1>{title}</h1>");
        // Only this language travels with the page: its form's label, not the others'.
        let labels: Vec<String> = ["en", "de", "fr", "es"]
            .iter()
            .map(|l| app::i18n::catalog::catalog().texts(l).get("form-heading"))
            .collect();
        for (other, label) in ["en", "de", "fr", "es"].iter().zip(&labels) {
            assert_eq!(html.contains(label.as_str()), *other == lang, "{path}: {other}'s {label:?}");
        }
    }
}

#[tokio::test]
async fn agents_pages_stay_english_whatever_the_browser_says() {
    let server = TestServer::start().await;
    for path in ["/login", "/"] {
        let html = page(&server, path, Some("de-DE")).await;
        assert_eq!(html_lang(&html), "en", "{path}");
        assert_eq!(texts(&html).lang, "en");
    }
}

#[tokio::test]
async fn a_form_error_crosses_the_wire_as_a_code_the_widget_words() {
    let server = TestServer::start().await;
    let api = Api::new(&server);
    let group = api.group_id("Network").await;
    let mut form = chat_form(group, "My VPN drops");
    form.email = "not an address".into();
    form.name = String::new();
    let reply = api.call("request_chat", serde_json::json!({ "form": form })).await;
    let ApiError::InvalidForm(errors) = reply.refusal(StatusCode::UNPROCESSABLE_ENTITY) else { panic!("not a form error") };
    assert_eq!(
        errors,
        vec![FieldError::new(FormField::Name, FieldProblem::Missing), FieldError::new(FormField::Email, FieldProblem::Invalid)]
    );
    let german = app::i18n::catalog::catalog().texts("de");
    let english = app::i18n::catalog::catalog().english();
    for error in &errors {
        assert_ne!(error.text(&german), error.text(&english));
        assert!(!error.text(&german).starts_with("field-"), "{}", error.text(&german));
    }
}

#[tokio::test]
async fn pages_go_out_compressed_and_api_answers_do_not() {
    let server = TestServer::start().await;
    let client = reqwest::Client::new();
    let page = client.get(format!("{}/widget?lang=fr", server.base_url())).header("accept-encoding", "br, gzip").send().await.unwrap();
    assert_eq!(page.headers().get("content-encoding").map(|v| v.to_str().unwrap()), Some("br"));
    let compressed = page.bytes().await.unwrap().len();
    let plain = page_len(&server, "/widget?lang=fr").await;
    assert!(compressed * 2 < plain, "{compressed} of {plain} bytes");
    let api = client
        .post(format!("{}/api/list_groups", server.base_url()))
        .header("accept-encoding", "br, gzip")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status(), StatusCode::OK);
    assert!(api.headers().get("content-encoding").is_none());
}

async fn page_len(server: &TestServer, path: &str) -> usize {
    page(server, path, None).await.len()
}
