//! Fuzzing what clients send (issue 8): the WebSocket's frame decoding (`ClientFrame::decode`,
//! `ClientFrame::resume_from`, as `ssr/ws.rs` uses them) and every server function's argument
//! decoding (the args struct `#[server]` generates, read with serde_json as server_fn's Json
//! codec reads it), then the validators on whatever decodes. Nothing may panic; whatever passes
//! validation holds no control or text-direction character where the rules forbid one; every
//! refusal reads as a sentence (`ApiError::bad_arguments`).
//!
//! Inputs per property: `FUZZ_CASES` (default 200, so `make test` stays quick). `make fuzz`
//! runs enough for at least 1,000,000 inputs in all and prints how many ran (README).

use std::fmt::Debug;
use std::sync::atomic::{AtomicU64, Ordering};

use app::api::{admin::*, auth::*, canned::*, console::*, monitor::*, records::*, team::*, widget::*};
use app::domain::validate::{self, plain_text, Lines};
use app::domain::{canned, records};
use app::model::*;
use proptest::prelude::*;
use proptest::test_runner::{Config, TestCaseError, TestRunner};
use serde_json::{json, Map, Value};

fn cases() -> u32 {
    std::env::var("FUZZ_CASES").ok().and_then(|v| v.parse().ok()).unwrap_or(200)
}

/// Runs `test` on `cases()` inputs from `strategy`; a panic fails (and is shrunk) like an
/// assertion. Prints the count for `make fuzz` to add up.
fn fuzz<S>(name: &str, strategy: S, test: impl Fn(S::Value) -> Result<(), TestCaseError>)
where
    S: Strategy,
    S::Value: Debug,
{
    let config = Config { cases: cases(), failure_persistence: None, ..Config::default() };
    let ran = AtomicU64::new(0);
    let result = TestRunner::new(config).run(&strategy, |input| {
        ran.fetch_add(1, Ordering::Relaxed);
        test(input)
    });
    if let Err(failure) = result {
        panic!("fuzz {name}: {failure}");
    }
    println!("fuzz {name}: {} inputs, none panicked", ran.load(Ordering::Relaxed));
}

// ---- what clients might send ---------------------------------------------------------------

/// Characters that matter here: controls, direction marks and overrides, JSON's own syntax.
const NASTY: &[char] = &[
    '\0',
    '\u{1}',
    '\u{7}',
    '\u{8}',
    '\t',
    '\n',
    '\r',
    '\u{1b}',
    '\u{7f}',
    '\u{85}',
    '\u{9f}',
    '\u{200B}',
    '\u{200D}',
    '\u{200E}',
    '\u{200F}',
    '\u{061C}',
    '\u{2028}',
    '\u{2029}',
    '\u{202A}',
    '\u{202B}',
    '\u{202C}',
    '\u{202D}',
    '\u{202E}',
    '\u{2066}',
    '\u{2067}',
    '\u{2068}',
    '\u{2069}',
    '\u{FEFF}',
    '\u{FFFD}',
    '\u{10FFFF}',
    '"',
    '\\',
    '{',
    '}',
    '[',
    ']',
    ':',
    ',',
    '-',
    '.',
    'e',
    '0',
    '1',
    '9',
    ' ',
    'a',
    'Z',
    'é',
    '東',
    '😀',
];

/// Text of any kind: printable, any code point, or mostly the nasty ones.
fn text() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "\\PC{0,40}",
        3 => proptest::collection::vec(any::<char>(), 0..40).prop_map(String::from_iter),
        4 => proptest::collection::vec(prop::sample::select(NASTY), 0..40).prop_map(String::from_iter),
    ]
}

/// Every field name the server functions' arguments have, and those of the frames.
const KEYS: &[&str] = &[
    "type",
    "after",
    "token",
    "chat_id",
    "email",
    "password",
    "id",
    "draft",
    "category",
    "title",
    "text",
    "scope",
    "before",
    "client_id",
    "body",
    "ticket_id",
    "fields",
    "version",
    "description",
    "status",
    "priority",
    "contact_name",
    "contact_email",
    "contact_phone",
    "location",
    "number",
    "query",
    "kind",
    "settings",
    "missed_chat_incidents",
    "pickup_timeout_secs",
    "mapping",
    "from",
    "to",
    "availability",
    "agent_id",
    "target",
    "group_id",
    "form",
    "name",
    "phone",
    "photo",
    "question",
    "previous_ticket",
    "Agent",
    "Queue",
    "Group",
];

/// Words the arguments' enums and frames use as values.
const WORDS: &[&str] = &[
    "hello",
    "ping",
    "typing",
    "Hello",
    "Online",
    "Away",
    "Everyone",
    "Mine",
    "Open",
    "InProgress",
    "Resolved",
    "Closed",
    "Critical",
    "High",
    "Moderate",
    "Low",
    "Interaction",
    "Incident",
    "question",
    "title",
    "IM00001",
    "SD00001",
    "CR00001",
    "6f1c2a34-0000-4000-8000-000000000000",
    "",
];

fn number() -> impl Strategy<Value = Value> {
    prop_oneof![
        any::<i64>().prop_map(Value::from),
        prop::sample::select(vec![0i64, 1, -1, 2, 7, i64::MAX, i64::MIN, i32::MAX as i64, u32::MAX as i64 + 1])
            .prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<f64>().prop_map(|f| serde_json::Number::from_f64(f).map_or(Value::Null, Value::Number)),
    ]
}

/// JSON shaped like arguments: objects keyed by the arguments' own names, values of every
/// type, nested a few levels.
fn json_value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        number(),
        text().prop_map(Value::String),
        prop::sample::select(WORDS).prop_map(|w| Value::String(w.to_string())),
    ];
    leaf.prop_recursive(4, 48, 8, |inner| {
        prop_oneof![
            proptest::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
            proptest::collection::vec((prop::sample::select(KEYS), inner), 0..8)
                .prop_map(|pairs| Value::Object(pairs.into_iter().map(|(k, v)| (k.to_string(), v)).collect())),
        ]
    })
}

/// A top-level arguments object: each known key with some value, sometimes an odd key.
fn json_args() -> impl Strategy<Value = Value> {
    proptest::collection::vec(
        (prop_oneof![9 => prop::sample::select(KEYS).prop_map(str::to_string), 1 => text()], json_value()),
        0..8,
    )
    .prop_map(|pairs| Value::Object(pairs.into_iter().collect::<Map<_, _>>()))
}

/// Bodies as raw bytes: anything, or JSON with a few bytes spoiled (cut, flipped, not UTF-8).
fn body_bytes() -> impl Strategy<Value = Vec<u8>> {
    prop_oneof![
        proptest::collection::vec(any::<u8>(), 0..96),
        (json_args(), any::<prop::sample::Index>(), any::<u8>(), 0..3u8).prop_map(|(args, at, byte, how)| {
            let mut bytes = serde_json::to_vec(&args).unwrap();
            let at = at.index(bytes.len() + 1);
            match how {
                0 => bytes.truncate(at),
                1 => bytes.insert(at, byte),
                _ => bytes.splice(at..at, [0xff, 0xfe, byte]).for_each(drop),
            }
            bytes
        }),
    ]
}

// ---- the server functions' arguments -------------------------------------------------------

/// One server function: its path and how its arguments decode and are checked.
struct Endpoint {
    path: &'static str,
    /// Decodes a body as server_fn does; checks what decoded with the server's validators.
    decode: fn(&[u8]) -> Result<(), String>,
}

/// `endpoint!("name", ArgsStruct)` or `endpoint!("name", ArgsStruct, |args| check)`: one line
/// per server function (the test below fails when one is missing).
macro_rules! endpoint {
    ($path:literal, $args:ty) => {
        endpoint!($path, $args, |_args: $args| Ok(()))
    };
    ($path:literal, $args:ty, $check:expr) => {
        Endpoint {
            path: concat!("/api/", $path),
            decode: |bytes| {
                let check: fn($args) -> Result<(), TestCaseError> = $check;
                match serde_json::from_slice::<$args>(bytes) {
                    Ok(args) => check(args).map_err(|e| format!("{e}")),
                    Err(err) => refusal_reads_well(&err),
                }
            },
        }
    };
}

/// A decoding error as the caller reads it: a sentence, not serde's text alone.
fn refusal_reads_well(err: &serde_json::Error) -> Result<(), String> {
    match ApiError::bad_arguments(&err.to_string()) {
        ApiError::Request(text) if text.len() > err.to_string().len() && text.ends_with('.') => Ok(()),
        other => Err(format!("a decoding error reads badly: {other:?}")),
    }
}

fn plain(what: &str, text: &str, lines: Lines) -> Result<(), TestCaseError> {
    prop_assert!(plain_text(text, lines).is_ok(), "{what} passed validation with an unprintable character: {text:?}");
    Ok(())
}

fn check_form(form: &StartChat) -> Result<(), TestCaseError> {
    if let Ok(valid) = validate::start_chat(form, &[1, 2, 3]) {
        for (what, text) in [("name", &valid.name), ("email", &valid.email), ("location", &valid.location)] {
            plain(what, text, Lines::One)?;
        }
        for (what, text) in [("phone", &valid.phone), ("ticket", &valid.previous_ticket)] {
            plain(what, text.as_deref().unwrap_or_default(), Lines::One)?;
        }
        plain("question", &valid.question, Lines::Many)?;
    }
    Ok(())
}

fn check_message(client_id: &str, body: &str) -> Result<(), TestCaseError> {
    if let Ok(id) = validate::client_id(client_id) {
        plain("client id", id, Lines::One)?;
    }
    if let Ok(body) = validate::message_body(body) {
        plain("message", body, Lines::Many)?;
    }
    Ok(())
}

fn check_note(body: &str) -> Result<(), TestCaseError> {
    if let Ok(body) = records::note_body(body) {
        plain("note", body, Lines::Many)?;
    }
    Ok(())
}

fn check_ticket(fields: &TicketFields) -> Result<(), TestCaseError> {
    if let Ok(clean) = records::validate_fields(fields) {
        for text in
            [&clean.title, &clean.category, &clean.contact_name, &clean.contact_email, &clean.contact_phone, &clean.location]
        {
            plain("ticket field", text, Lines::One)?;
        }
        plain("description", &clean.description, Lines::Many)?;
    }
    Ok(())
}

fn check_canned(draft: &CannedDraft) -> Result<(), TestCaseError> {
    if let Ok(valid) = canned::validate(draft) {
        plain("canned title", &valid.title, Lines::One)?;
        plain("canned category", &valid.category, Lines::One)?;
        plain("canned text", &valid.text, Lines::Many)?;
    }
    Ok(())
}

fn endpoints() -> Vec<Endpoint> {
    vec![
        endpoint!("log_on", LogOn),
        endpoint!("log_off", LogOff),
        endpoint!("current_agent", CurrentAgent),
        endpoint!("list_canned_messages", ListCannedMessages),
        endpoint!("save_canned_message", SaveCannedMessage, |args| check_canned(&args.draft)),
        endpoint!("delete_canned_message", DeleteCannedMessage),
        endpoint!("load_console", LoadConsole),
        endpoint!("load_chat", LoadChat),
        endpoint!("load_earlier", LoadEarlier),
        endpoint!("accept_chat", AcceptChat),
        endpoint!("post_as_agent", PostAsAgent, |args| check_message(&args.client_id, &args.body)),
        endpoint!("end_chat", EndChat),
        endpoint!("load_chat_records", LoadChatRecords),
        endpoint!("save_ticket", SaveTicket, |args| check_ticket(&args.fields)),
        endpoint!("take_offline_request", TakeOfflineRequest),
        endpoint!("convert_to_incident", ConvertToIncident),
        endpoint!("add_as_request", AddAsRequest),
        endpoint!("add_chat_note", AddChatNote, |args| check_note(&args.body)),
        endpoint!("add_ticket_note", AddTicketNote, |args| check_note(&args.body)),
        endpoint!("load_record", LoadRecord, |args| {
            let _ = RecordRef::parse(&args.number);
            Ok(())
        }),
        endpoint!("search_records", SearchRecords, |args| {
            let _ = records::search_words(&args.query.text);
            Ok(())
        }),
        endpoint!("load_history", LoadHistory),
        endpoint!("load_settings", LoadSettings),
        endpoint!("save_settings", SaveSettings, |args| {
            let _ = records::validate_settings(&args.settings);
            Ok(())
        }),
        endpoint!("list_team", ListTeam),
        endpoint!("set_availability", SetAvailability),
        endpoint!("invite_agent", InviteAgent),
        endpoint!("join_chat", JoinChat),
        endpoint!("leave_chat", LeaveChat),
        endpoint!("transfer_chat", TransferChat),
        endpoint!("assign_chat", AssignChat),
        endpoint!("decline_offer", DeclineOffer),
        endpoint!("list_groups", ListGroups),
        endpoint!("request_chat", RequestChat, |args| check_form(&args.form)),
        endpoint!("leave_message", LeaveMessage, |args| {
            let _ = app::domain::validate::request_key(&args.request_key);
            check_form(&args.form)
        }),
        endpoint!("resume_chat", ResumeChat),
        endpoint!("post_as_end_user", PostAsEndUser, |args| check_message(&args.client_id, &args.body)),
        endpoint!("end_as_end_user", EndAsEndUser),
        endpoint!("rate_chat", RateChat),
        endpoint!("email_transcript", EmailTranscript, |args| {
            let _ = app::domain::validate::request_key(&args.request_key);
            Ok(())
        }),
        endpoint!("admin_list_agents", AdminListAgents),
        endpoint!("admin_create_agent", AdminCreateAgent, |args| {
            if let Ok(valid) = app::domain::admin::new_agent(&args.form, &[], &[]) {
                plain("agent name", &valid.name, Lines::One)?;
            }
            Ok(())
        }),
        endpoint!("admin_update_agent", AdminUpdateAgent),
        endpoint!("admin_set_agent_active", AdminSetAgentActive),
        endpoint!("admin_reset_password", AdminResetPassword, |args| {
            let _ = app::domain::admin::password(&args.password);
            Ok(())
        }),
        endpoint!("admin_list_groups", AdminListGroups),
        endpoint!("admin_create_group", AdminCreateGroup, |args| {
            if let Ok(name) = app::domain::admin::group_name(&args.name, &[], None) {
                plain("group name", &name, Lines::One)?;
            }
            Ok(())
        }),
        endpoint!("admin_rename_group", AdminRenameGroup),
        endpoint!("admin_group_settings", AdminGroupSettings),
        endpoint!("admin_save_group_settings", AdminSaveGroupSettings, |args| {
            let _ = app::domain::hours::check_group_settings(&args.settings);
            Ok(())
        }),
        endpoint!("admin_audit_log", AdminAuditLog),
        endpoint!("admin_mail_settings", AdminMailSettings),
        endpoint!("admin_save_mail_settings", AdminSaveMailSettings, |args| {
            let _ = app::domain::outbox::change_mail_settings(&args.change, "", true);
            Ok(())
        }),
        endpoint!("admin_outbox", AdminOutbox),
        endpoint!("admin_send_again", AdminSendAgain),
        endpoint!("load_monitor", LoadMonitor),
        endpoint!("watch_chat", WatchChat),
        endpoint!("whisper", Whisper, |args| check_message(&args.client_id, &args.body)),
        endpoint!("load_report", LoadReport, |args| {
            let _ = app::domain::reports::check_range(&args.query, 0);
            Ok(())
        }),
    ]
}

#[test]
fn every_server_function_is_fuzzed() {
    let mut registered: Vec<&str> = leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path).collect();
    let mut fuzzed: Vec<&str> = endpoints().iter().map(|e| e.path).collect();
    registered.sort_unstable();
    fuzzed.sort_unstable();
    assert_eq!(fuzzed, registered, "add one `endpoint!` line per new server function to app/tests/fuzz.rs");
}

fn decode_everywhere(body: &[u8]) -> Result<(), TestCaseError> {
    for endpoint in endpoints() {
        (endpoint.decode)(body).map_err(|e| TestCaseError::fail(format!("{}: {e}", endpoint.path)))?;
    }
    Ok(())
}

#[test]
fn server_function_arguments_from_any_bytes() {
    fuzz("arguments: raw bytes", body_bytes(), |bytes| decode_everywhere(&bytes));
}

#[test]
fn server_function_arguments_from_json_of_their_shape() {
    fuzz("arguments: JSON of their shape", json_args(), |args| decode_everywhere(&serde_json::to_vec(&args).unwrap()));
}

/// Arguments of the right types with any text in them: they decode, and the validators let
/// through only plain text.
#[test]
fn well_typed_arguments_with_any_text() {
    let strategy = (text(), text(), text(), text(), text(), text(), any::<Option<i64>>(), 0..5u8);
    fuzz("arguments: well typed, any text", strategy, |(a, b, c, d, e, f, id, which)| {
        let args = match which {
            0 => {
                json!({ "form": StartChat { name: a, email: b, phone: c, location: d, photo: e, group_id: id, question: f, previous_ticket: String::new() } })
            }
            1 => json!({ "token": a, "client_id": b, "body": c }),
            2 => json!({ "ticket_id": id.unwrap_or(1), "body": a }),
            3 => {
                json!({ "ticket_id": 1, "version": 1, "fields": TicketFields { title: a, description: b, category: c, contact_name: d, contact_email: e, contact_phone: f, location: String::new(), ..TicketFields::default() } })
            }
            _ => json!({ "id": id, "draft": CannedDraft { category: a, title: b, text: c, scope: Some(CannedScope::Mine) } }),
        };
        decode_everywhere(&serde_json::to_vec(&args).unwrap())
    });
}

// ---- WebSocket frames ---------------------------------------------------------------------

fn frame_decodes_sanely(text: &str) -> Result<(), TestCaseError> {
    match ClientFrame::decode(text) {
        Ok(frame) => {
            let again = serde_json::to_string(&frame).unwrap();
            prop_assert_eq!(ClientFrame::decode(&again), Ok(frame));
        }
        Err(problem) => {
            let expected =
                if text.len() > MAX_CLIENT_FRAME_BYTES { Protocol::TooBig(MAX_CLIENT_FRAME_BYTES) } else { Protocol::Malformed };
            prop_assert_eq!(problem, expected);
        }
    }
    Ok(())
}

#[test]
fn websocket_frames_from_any_text() {
    let strategy = prop_oneof![
        9 => text(),
        1 => (text(), 4000..5000usize).prop_map(|(t, n)| t.repeat(n / t.len().max(1) + 1)),
    ];
    fuzz("frames: any text", strategy, |text| frame_decodes_sanely(&text));
}

#[test]
fn websocket_frames_of_their_shape() {
    let kind = prop_oneof![prop::sample::select(WORDS).prop_map(str::to_string), text()];
    let strategy = (kind, json_args(), any::<i64>());
    fuzz("frames: JSON of their shape", strategy, |(kind, mut frame, head)| {
        frame.as_object_mut().unwrap().insert("type".into(), Value::String(kind));
        let text = serde_json::to_string(&frame).unwrap();
        frame_decodes_sanely(&text)?;
        if let Ok(ClientFrame::Hello { after, .. }) = ClientFrame::decode(&text) {
            let head = head.rem_euclid(1 << 20);
            let resumed = ClientFrame::resume_from(after, head);
            prop_assert_eq!(resumed.is_ok(), (0..=head).contains(&after), "after {} head {}", after, head);
        }
        Ok(())
    });
}

#[test]
fn hello_positions_anywhere() {
    fuzz("frames: hello positions", (any::<i64>(), any::<i64>()), |(after, head)| {
        let head = head.max(0);
        match ClientFrame::resume_from(after, head) {
            Ok(at) => prop_assert!(at == after && (0..=head).contains(&after)),
            Err(problem) => {
                prop_assert!(!(0..=head).contains(&after));
                prop_assert_eq!(problem, Protocol::BadPosition { after, head });
            }
        }
        Ok(())
    });
}
