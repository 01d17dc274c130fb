//! The authorization matrix (issue 8): every server function, the WebSocket hello and the end
//! user's photo, called by each kind of caller about one chat, with the expected answer in
//! every cell.
//!
//! Each cell gets fresh chats (in the row's state), so no call changes another cell's answer.
//! "Shows"/"hides" is whether a successful answer mentions the chat (its `CR…` or `SD…` number;
//! on the WebSocket, an event of its id). A new server function is one more line in `ROWS`; the
//! test fails until it has one. On a failure the whole matrix is printed, wrong cells marked.
mod common;

use std::time::Duration;

use common::*;
use futures::StreamExt;
use serde_json::{json, Value};
use tokio_tungstenite::tungstenite::Message;

/// Who calls, in the matrix's column order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Caller {
    Anonymous,
    /// The end user of the chat (its token).
    EndUser,
    /// The end user of another chat (their own token).
    OtherEndUser,
    /// Carol: an agent of the chat's group (Network) who does not hold it.
    InGroup,
    /// Alice: the agent who holds the chat.
    Holder,
    /// Bob: an agent of another group only (Hardware).
    Outside,
    Admin,
    /// Alice's cookie from a session that logged off.
    LoggedOff,
}

const CALLERS: [Caller; 8] = [
    Caller::Anonymous,
    Caller::EndUser,
    Caller::OtherEndUser,
    Caller::InGroup,
    Caller::Holder,
    Caller::Outside,
    Caller::Admin,
    Caller::LoggedOff,
];
const HEADINGS: [&str; 8] =
    ["anonymous", "end user", "other end user", "agent in group", "chat's agent", "agent outside", "admin", "logged off"];

/// What a cell expects: success (and whether it mentions the chat), or a refusal by status and
/// `ApiError` variant (on the WebSocket: close code and the `Error` frame's variant).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Answer {
    Ok,
    Shows,
    Hides,
    No(u16, &'static str),
}

impl Answer {
    fn label(self) -> String {
        match self {
            Answer::Ok => "200".into(),
            Answer::Shows => "200 shows".into(),
            Answer::Hides => "200 hides".into(),
            Answer::No(status, what) => format!("{status} {what}"),
        }
    }
}

use Answer::{Hides as HI, Ok as OK, Shows as SH};
const U: Answer = Answer::No(401, "NotSignedIn");
const NC: Answer = Answer::No(404, "NoSuchChat");
const NR: Answer = Answer::No(404, "NoSuchRecord");
const AO: Answer = Answer::No(403, "AdminOnly");
/// Not a supervisor of any group: no live monitor (issue 18).
const NA: Answer = Answer::No(403, "NotAllowed");
const TEAM: Answer = Answer::No(409, "Team");
/// Allowed to the caller, refused by a rule (422): e.g. taking a ticket that is no offline request.
const IV: Answer = Answer::No(422, "Invalid");
/// The WebSocket's refusal of a hello: an `Error` frame, then close 1008.
const WU: Answer = Answer::No(1008, "NotSignedIn");

/// The state the chat is in when the call is made.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Setup {
    Queued,
    /// Accepted by alice (its Interaction opened).
    Active,
    /// Active, and alice invited carol.
    Invited,
    /// Invited, and carol joined.
    Joined,
    /// Accepted by alice, then ended.
    Ended,
    /// Accepted by alice (Network), then transferred to bob (Hardware): in these rows the
    /// "chat's agent" column is the *former* holder, "agent outside" the receiver (issue 15).
    Transferred,
    /// Bob (Hardware) took an earlier chat of the same end user (its Interaction `$PREVIOUS`);
    /// the cell's chat names that ticket as its previous one and alice accepts it (issue 15).
    Previous,
}
use Setup::*;

struct Row {
    /// The server function, or `HELLO` for the WebSocket.
    name: &'static str,
    setup: Setup,
    /// The arguments; `"$NAME"` strings are filled in per cell (`Cell::fill`).
    args: &'static str,
    answers: [Answer; 8],
}

const HELLO: &str = "ws hello";
/// `GET /photos/chat/{id}` of the cell's chat (every cell's chat has a photo).
const PHOTO: &str = "GET photo";

const fn row(name: &'static str, setup: Setup, args: &'static str, answers: [Answer; 8]) -> Row {
    Row { name, setup, args, answers }
}

#[rustfmt::skip]
const ROWS: &[Row] = &[
    //                                                                                          anon end user other  in group holder outside admin  logged off
    row("log_on",                Active,  r#"{"email":"alice@deskchat.test","password":"deskchat-demo"}"#, [OK, OK, OK, OK, OK, OK, OK, OK]),
    row("log_off",               Active,  r#"{}"#,                                                          [OK, OK, OK, OK, OK, OK, OK, OK]),
    row("current_agent",         Active,  r#"{}"#,                                                          [U, U, U, OK, OK, OK, OK, U]),
    row("list_groups",           Active,  r#"{}"#,                                                          [OK, OK, OK, OK, OK, OK, OK, OK]),
    row("request_chat",          Active,  r#"{"form":"$FORM"}"#,                                            [OK, OK, OK, OK, OK, OK, OK, OK]),
    // Anyone may leave a message (it makes an incident in the group, which only agents read).
    row("leave_message",         Active,  r#"{"form":"$FORM","request_key":"matrix-1"}"#,                   [OK, OK, OK, OK, OK, OK, OK, OK]),
    row("resume_chat",           Active,  r#"{"token":"$TOKEN"}"#,                                          [NC, SH, HI, NC, NC, NC, NC, NC]),
    row("post_as_end_user",      Active,  r#"{"token":"$TOKEN","client_id":"m-1","body":"Hello"}"#,         [NC, OK, OK, NC, NC, NC, NC, NC]),
    row("end_as_end_user",       Active,  r#"{"token":"$TOKEN"}"#,                                          [NC, OK, OK, NC, NC, NC, NC, NC]),
    // The group does not ask for ratings (the default): the chat's own end user is told so.
    row("rate_chat",             Ended,   r#"{"token":"$TOKEN","score":5,"comment":""}"#,                   [NC, IV, IV, NC, NC, NC, NC, NC]),
    // No mail server is set (the default): the chat's own end user is told so.
    row("email_transcript",      Active,  r#"{"token":"$TOKEN","request_key":"matrix-1","lang":"en"}"#,     [NC, IV, IV, NC, NC, NC, NC, NC]),
    row("load_console",          Active,  r#"{}"#,                                                          [U, U, U, HI, SH, HI, HI, U]),
    row("load_chat",             Active,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, NC, OK, NC, NC, U]),
    row("load_earlier",          Active,  r#"{"chat_id":"$CHAT","before":"$MAX"}"#,                         [U, U, U, NC, OK, NC, NC, U]),
    row("accept_chat",           Queued,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, OK, OK, NC, OK, U]),
    // Declining changes only an offer the caller holds; anyone else's call changes nothing.
    row("decline_offer",         Queued,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, OK, OK, OK, OK, U]),
    row("post_as_agent",         Active,  r#"{"chat_id":"$CHAT","client_id":"a-1","body":"Hi"}"#,           [U, U, U, NC, OK, NC, NC, U]),
    row("end_chat",              Active,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, NC, OK, NC, NC, U]),
    row("load_chat_records",     Active,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, OK, OK, NC, OK, U]),
    row("save_ticket",           Active,  r#"{"ticket_id":"$TICKET","fields":"$FIELDS","version":"$VERSION"}"#, [U, U, U, OK, OK, NR, OK, U]),
    // The cell's ticket is an Interaction: whoever may change it hears why it cannot be taken.
    row("take_offline_request",  Active,  r#"{"ticket_id":"$TICKET"}"#,                                     [U, U, U, IV, IV, NR, IV, U]),
    row("convert_to_incident",   Active,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, NC, OK, NC, NC, U]),
    row("add_as_request",        Ended,   r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, OK, OK, NC, OK, U]),
    row("add_chat_note",         Active,  r#"{"chat_id":"$CHAT","body":"A note"}"#,                         [U, U, U, OK, OK, NC, OK, U]),
    row("add_ticket_note",       Active,  r#"{"ticket_id":"$TICKET","body":"A note"}"#,                     [U, U, U, OK, OK, NR, OK, U]),
    row("load_record",           Active,  r#"{"number":"$NUMBER"}"#,                                        [U, U, U, OK, OK, NR, OK, U]),
    row("search_records",        Active,  r#"{"query":{"text":"$TICKET_NUMBER"}}"#,                         [U, U, U, SH, SH, HI, SH, U]),
    row("load_history",          Ended,   r#"{"before":null}"#,                                             [U, U, U, SH, SH, HI, SH, U]),
    row("load_settings",         Active,  r#"{}"#,                                                          [U, U, U, OK, OK, OK, OK, U]),
    row("save_settings",         Active,  r#"{"settings":"$SETTINGS"}"#,                                    [U, U, U, AO, AO, AO, OK, U]),
    row("list_canned_messages",  Active,  r#"{}"#,                                                          [U, U, U, OK, OK, OK, OK, U]),
    row("save_canned_message",   Active,  r#"{"id":null,"draft":{"category":"","title":"Hi","text":"Hello","scope":"Mine"}}"#, [U, U, U, OK, OK, OK, OK, U]),
    row("delete_canned_message", Active,  r#"{"id":"$CANNED"}"#,                                            [U, U, U, NR, OK, NR, NR, U]),
    row("list_team",             Active,  r#"{}"#,                                                          [U, U, U, OK, OK, OK, OK, U]),
    row("set_availability",      Active,  r#"{"availability":"Online"}"#,                                   [U, U, U, OK, OK, OK, OK, U]),
    row("invite_agent",          Active,  r#"{"chat_id":"$CHAT","agent_id":"$CAROL"}"#,                     [U, U, U, NC, OK, NC, NC, U]),
    // The admin supervises every group: joins uninvited (issue 18).
    row("join_chat",             Invited, r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, OK, OK, NC, OK, U]),
    row("leave_chat",            Joined,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, OK, TEAM, NC, NC, U]),
    row("transfer_chat",         Active,  r#"{"chat_id":"$CHAT","target":{"Queue":{"group_id":"$NETWORK"}}}"#, [U, U, U, NC, OK, NC, NC, U]),
    // Managing agents and groups: admins only. `$SPARE` is an agent made for this test, so
    // resetting or deactivating it leaves the callers' own sessions alone.
    row("admin_list_agents",      Active,  r#"{}"#,                                                         [U, U, U, AO, AO, AO, OK, U]),
    row("admin_create_agent",     Active,  r#"{"form":{"email":"matrix@deskchat.test","name":"Matrix Agent","role":"Agent","groups":[],"password":"matrix-password-1"}}"#, [U, U, U, AO, AO, AO, OK, U]),
    row("admin_update_agent",     Active,  r#"{"id":"$SPARE","change":{"name":"Spare Agent","role":"Agent","groups":["$NETWORK"]}}"#, [U, U, U, AO, AO, AO, OK, U]),
    row("admin_set_agent_active", Active,  r#"{"id":"$SPARE","active":false}"#,                             [U, U, U, AO, AO, AO, OK, U]),
    row("admin_reset_password",   Active,  r#"{"id":"$SPARE","password":"another-password-2"}"#,            [U, U, U, AO, AO, AO, OK, U]),
    row("admin_list_groups",      Active,  r#"{}"#,                                                         [U, U, U, AO, AO, AO, OK, U]),
    row("admin_create_group",     Active,  r#"{"name":"Matrix group"}"#,                                    [U, U, U, AO, AO, AO, OK, U]),
    row("admin_rename_group",     Active,  r#"{"id":"$NETWORK","name":"Network"}"#,                         [U, U, U, AO, AO, AO, OK, U]),
    row("admin_group_settings",   Active,  r#"{}"#,                                                         [U, U, U, AO, AO, AO, OK, U]),
    row("admin_save_group_settings", Active, r#"{"id":"$NETWORK","settings":{}}"#,                          [U, U, U, AO, AO, AO, OK, U]),
    // An admin's "Assign": $SPARE is in no team list (no group, never online), so even the admin
    // is refused, past the admin check, by the team rule.
    row("assign_chat",            Queued,  r#"{"chat_id":"$CHAT","agent_id":"$SPARE"}"#,                    [U, U, U, AO, AO, AO, Answer::No(422, "Invalid"), U]),
    row("admin_audit_log",        Active,  r#"{"before":null}"#,                                            [U, U, U, AO, AO, AO, OK, U]),
    row("admin_mail_settings",    Active,  r#"{}"#,                                                         [U, U, U, AO, AO, AO, OK, U]),
    row("admin_save_mail_settings", Active, r#"{"change":{"host":"","port":0,"security":"StartTls","username":"","new_password":null,"sender":""}}"#, [U, U, U, AO, AO, AO, OK, U]),
    row("admin_outbox",           Active,  r#"{}"#,                                                         [U, U, U, AO, AO, AO, OK, U]),
    // There is no outbox entry 1 (nothing was mailed): past the admin check, no such record.
    row("admin_send_again",       Active,  r#"{"id":1}"#,                                                   [U, U, U, AO, AO, AO, NR, U]),
    row(HELLO,                   Active,  r#"{"type":"hello","after":0,"token":"$HELLO_TOKEN"}"#,           [WU, SH, HI, SH, SH, HI, SH, WU]),
    // The live monitor (issue 18): supervisors only (here the admin, who supervises every
    // group); an end user's token opens their chat, never a monitor.
    row(HELLO,                   Active,  r#"{"type":"hello","after":0,"token":"$HELLO_TOKEN","monitor":true}"#, [WU, SH, HI, Answer::No(1008, "NotAllowed"), Answer::No(1008, "NotAllowed"), Answer::No(1008, "NotAllowed"), SH, WU]),
    row("load_monitor",          Active,  r#"{}"#,                                                          [U, U, U, NA, NA, NA, SH, U]),
    row("watch_chat",            Active,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, NC, NC, NC, OK, U]),
    row("load_report",           Active,  r#"{"query":{"from":"","to":""}}"#,                            [U, U, U, NA, NA, NA, OK, U]),
    row("whisper",               Active,  r#"{"chat_id":"$CHAT","client_id":"w-1","body":"Psst"}"#,         [U, U, U, NC, NC, NC, OK, U]),
    // A supervisor joins uninvited; the holder already takes part (joining twice is once).
    row("join_chat",             Active,  r#"{"chat_id":"$CHAT"}"#,                                         [U, U, U, NC, OK, NC, OK, U]),
    // The photo goes with the chat's records; the widget holds no session, so its own end user gets 401 too.
    row(PHOTO,                   Active,  r#"{}"#,                                                          [U, U, U, OK, OK, NC, OK, U]),
    row(PHOTO,                   Ended,   r#"{}"#,                                                          [U, U, U, OK, OK, NC, OK, U]),
    // After a transfer to another group the records follow the chat: the receiver works on them,
    // the former holder and her group keep nothing.
    row("load_record",           Transferred, r#"{"number":"$TICKET_NUMBER"}"#,                             [U, U, U, NR, NR, OK, OK, U]),
    row("load_record",           Transferred, r#"{"number":"$NUMBER"}"#,                                    [U, U, U, NR, NR, OK, OK, U]),
    row("save_ticket",           Transferred, r#"{"ticket_id":"$TICKET","fields":"$FIELDS","version":"$VERSION"}"#, [U, U, U, NR, NR, OK, OK, U]),
    row("add_ticket_note",       Transferred, r#"{"ticket_id":"$TICKET","body":"A note"}"#,                 [U, U, U, NR, NR, OK, OK, U]),
    row("add_chat_note",         Transferred, r#"{"chat_id":"$CHAT","body":"A note"}"#,                     [U, U, U, NC, NC, OK, OK, U]),
    row("load_chat_records",     Transferred, r#"{"chat_id":"$CHAT"}"#,                                     [U, U, U, NC, NC, OK, OK, U]),
    row("search_records",        Transferred, r#"{"query":{"text":"$TICKET_NUMBER"}}"#,                     [U, U, U, HI, HI, SH, SH, U]),
    row("post_as_agent",         Transferred, r#"{"chat_id":"$CHAT","client_id":"a-1","body":"Hi"}"#,       [U, U, U, NC, NC, OK, NC, U]),
    row(PHOTO,                   Transferred, r#"{}"#,                                                      [U, U, U, NC, NC, OK, OK, U]),
    // A previous ticket ID of another group opens nothing: the accepting agent (alice) and her
    // group can neither open nor write into Hardware's Interaction; the chat's own is theirs.
    row("load_record",           Previous, r#"{"number":"$PREVIOUS"}"#,                                     [U, U, U, NR, NR, OK, OK, U]),
    row("add_ticket_note",       Previous, r#"{"ticket_id":"$PREVIOUS_ID","body":"A note"}"#,               [U, U, U, NR, NR, OK, OK, U]),
    row("save_ticket",           Previous, r#"{"ticket_id":"$TICKET","fields":"$FIELDS","version":"$VERSION"}"#, [U, U, U, OK, OK, NR, OK, U]),
];

/// One transparent pixel, as the widget sends a photo.
const PIXEL_PNG: &str =
    "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==";

/// Tokens nobody holds: what callers without a chat send where a token is asked for.
const NO_TOKEN: &str = "0000000000000000000000000000000000000000000000000000000000000000";

struct Desk {
    server: TestServer,
    carol: Agent,
    alice: Agent,
    bob: Agent,
    admin: Agent,
    logged_off: String,
    network: GroupId,
    hardware: GroupId,
    /// An agent the admin rows change.
    spare: AgentId,
    http: reqwest::Client,
}

/// One cell's chats: the chat the row is about, and another end user's chat.
struct Cell {
    chat: EndUserChat,
    other: EndUserChat,
    interaction: Option<Ticket>,
    /// Another group's Interaction the chat named as its previous ticket (`Previous`).
    previous: Option<Ticket>,
}

impl Desk {
    async fn cell(&self, setup: Setup) -> Cell {
        let mut previous = None;
        if setup == Previous {
            let earlier = start_chat(&self.server, "Hardware", "Matrix: the laptop again").await;
            previous = self.bob.take_with_records(earlier.id()).await.1.interaction;
        }
        let named = previous.as_ref().map(|t| t.number.clone()).unwrap_or_default();
        let chat = start_chat_with(&self.server, "Network", "Matrix: the VPN drops", |f| {
            f.photo = PIXEL_PNG.into();
            f.previous_ticket = named;
        })
        .await;
        let other = start_chat(&self.server, "Service Desk", "Matrix: someone else's question").await;
        let mut interaction = None;
        if setup != Queued {
            interaction = self.alice.take_with_records(chat.id()).await.1.interaction;
        }
        if matches!(setup, Invited | Joined) {
            self.alice.try_invite(chat.id(), self.carol.id()).await.ok::<()>();
        }
        if setup == Joined {
            self.carol.join(chat.id()).await;
        }
        if setup == Ended {
            self.alice.end(chat.id()).await;
        }
        if setup == Transferred {
            let to_bob = TransferTarget::Agent { agent_id: self.bob.id(), group_id: self.hardware };
            self.alice.try_transfer(chat.id(), to_bob).await.ok::<()>();
            // Moved with the chat: a new version of it.
            interaction = self.bob.records(chat.id()).await.interaction;
        }
        if let (Some(previous), Some(interaction)) = (&previous, &interaction) {
            assert_ne!(previous.id, interaction.id, "naming another group's ticket must not hand it to alice");
        }
        Cell { chat, other, interaction, previous }
    }

    /// The session cookie of `caller` for `row` (log_off gets a fresh session: it ends it).
    async fn cookie(&self, caller: Caller, row: &Row) -> Option<String> {
        let agent = match caller {
            Caller::Anonymous | Caller::EndUser | Caller::OtherEndUser => return None,
            Caller::LoggedOff => return Some(self.logged_off.clone()),
            Caller::InGroup => &self.carol,
            Caller::Holder => &self.alice,
            Caller::Outside => &self.bob,
            Caller::Admin => &self.admin,
        };
        if row.name == "log_off" {
            return Some(Agent::log_on(&self.server, &agent.profile.email).await.session);
        }
        Some(agent.session.clone())
    }

    /// Calls the row's function as `caller` and classifies the answer.
    async fn call(&self, row: &Row, caller: Caller) -> Answer {
        let cell = self.cell(row.setup).await;
        let cookie = self.cookie(caller, row).await;
        let args = self.fill(&cell, caller, serde_json::from_str(row.args).unwrap()).await;
        let mentions = row.answers.iter().any(|a| matches!(a, SH | HI));
        if row.name == HELLO {
            return self.hello(&cell, cookie, args).await;
        }
        let mut request = if row.name == PHOTO {
            self.http.get(format!("{}/photos/chat/{}", self.server.base_url(), cell.chat.id()))
        } else {
            self.http.post(format!("{}/api/{}", self.server.base_url(), row.name)).json(&args)
        };
        if let Some(cookie) = cookie {
            request = request.header("cookie", format!("{SESSION_COOKIE}={cookie}"));
        }
        let response = request.send().await.expect("the server answers");
        let status = response.status().as_u16();
        let body = response.text().await.unwrap();
        if status == 200 {
            let numbers = [Some(cell.chat.snapshot.transcript.request.number.clone()), cell.interaction.map(|t| t.number)];
            let shows = numbers.iter().flatten().any(|n| body.contains(&format!("\"{n}\"")));
            return match (mentions, shows) {
                (false, _) => OK,
                (true, true) => SH,
                (true, false) => HI,
            };
        }
        refusal(status, &body)
    }

    /// Hello on a fresh connection; a hello that is let in reads up to `live`.
    async fn hello(&self, cell: &Cell, cookie: Option<String>, frame: Value) -> Answer {
        let headers: Vec<(&str, String)> = cookie.map(|c| ("cookie", format!("{SESSION_COOKIE}={c}"))).into_iter().collect();
        let headers: Vec<(&str, &str)> = headers.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let mut ws = WsClient::connect(&self.server, &headers).await.expect("the upgrade succeeds");
        ws.send_text(frame.to_string()).await;
        let id = cell.chat.id();
        let mut shows = false;
        loop {
            match ws.next_message().await {
                Some(Ok(Message::Text(text))) => {
                    let text = text.as_str();
                    match serde_json::from_str::<ServerFrame>(text).unwrap() {
                        ServerFrame::Live { .. } => return if shows { SH } else { HI },
                        ServerFrame::Error { error } => {
                            let (_, close) = ws.until_closed().await;
                            let code = close.map_or(0, |c| u16::from(c.code));
                            return refusal(code, &serde_json::to_string(&error).unwrap());
                        }
                        _ => {
                            shows |= text.contains(&format!("\"chat_id\":{id},")) || text.contains(&format!("\"chat_id\":{id}}}"))
                        }
                    }
                }
                other => panic!("unexpected end of the hello: {other:?}"),
            }
        }
    }

    /// The arguments with this cell's values in place of `"$NAME"` strings.
    async fn fill(&self, cell: &Cell, caller: Caller, args: Value) -> Value {
        let mut canned = None;
        if args.to_string().contains("$CANNED") {
            let draft =
                CannedDraft { category: "".into(), title: "Mine".into(), text: "Hello".into(), scope: Some(CannedScope::Mine) };
            canned = Some(self.alice.try_save_canned(None, &draft).await.ok::<CannedMessage>().id);
        }
        let token = match caller {
            Caller::EndUser => cell.chat.token.clone(),
            Caller::OtherEndUser => cell.other.token.clone(),
            _ => NO_TOKEN.to_string(),
        };
        let ticket = cell.interaction.as_ref();
        let value = |name: &str| -> Value {
            match name {
                "$CHAT" => json!(cell.chat.id()),
                "$MAX" => json!(i64::MAX),
                "$NUMBER" => json!(cell.chat.snapshot.transcript.request.number),
                "$TOKEN" => json!(token),
                // Agents say hello with their cookie; nobody else has a token to give.
                "$HELLO_TOKEN" if matches!(caller, Caller::EndUser | Caller::OtherEndUser) => json!(token),
                "$HELLO_TOKEN" => Value::Null,
                "$TICKET" => json!(ticket.expect("a ticket").id),
                "$TICKET_NUMBER" => json!(ticket.expect("a ticket").number),
                "$VERSION" => json!(ticket.expect("a ticket").version),
                "$FIELDS" => json!(ticket.expect("a ticket").fields),
                "$PREVIOUS" => json!(cell.previous.as_ref().expect("a previous ticket").number),
                "$PREVIOUS_ID" => json!(cell.previous.as_ref().expect("a previous ticket").id),
                "$CAROL" => json!(self.carol.id()),
                "$NETWORK" => json!(self.network),
                "$SPARE" => json!(self.spare),
                "$CANNED" => json!(canned.expect("a canned message")),
                "$SETTINGS" => json!(DeskSettings::initial(None)),
                "$FORM" => json!(chat_form(self.network, "Matrix: a new question")),
                other => panic!("no value for {other}"),
            }
        };
        fill(args, &value)
    }
}

fn fill(args: Value, value: &impl Fn(&str) -> Value) -> Value {
    match args {
        Value::String(s) if s.starts_with('$') => value(&s),
        Value::Array(items) => Value::Array(items.into_iter().map(|v| fill(v, value)).collect()),
        Value::Object(map) => Value::Object(map.into_iter().map(|(k, v)| (k, fill(v, value))).collect()),
        other => other,
    }
}

/// A refusal as its status and `ApiError` variant.
fn refusal(status: u16, body: &str) -> Answer {
    let error: Value = serde_json::from_str(body).unwrap_or_else(|e| panic!("{status}: not an ApiError: {body} ({e})"));
    let variant = match &error {
        Value::String(name) => name.clone(),
        Value::Object(map) => map.keys().next().cloned().unwrap_or_default(),
        _ => panic!("{status}: not an ApiError: {body}"),
    };
    // Answers are compared by label; leak the few distinct variant names to match `Answer`.
    Answer::No(status, Box::leak(variant.into_boxed_str()))
}

#[tokio::test]
async fn every_server_function_and_the_hello_answer_each_caller_as_the_matrix_says() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let ghost = Agent::log_on(&server, ALICE).await;
    ghost.api.call("log_off", json!({})).await.ok::<()>();
    let network = alice.api.group_id("Network").await;
    let hardware = alice.api.group_id("Hardware").await;

    // Carol and Bob keep a console open, so they are online to be invited or handed a chat.
    let mut keep_open = Vec::new();
    for agent in [&carol, &bob] {
        let (mut console, _) = agent.listen(&server, 0).await;
        keep_open.push(tokio::spawn(async move {
            loop {
                match tokio::time::timeout(Duration::from_secs(15), console.socket().next()).await {
                    Ok(Some(Ok(_))) => {}
                    Ok(_) => return,
                    Err(_) => console.send(&ClientFrame::Ping).await,
                }
            }
        }));
    }

    let spare_form = json!({ "form": { "email": "spare@deskchat.test", "name": "Spare Agent", "role": "Agent",
        "groups": [network], "password": "spare-password-1" } });
    let spare = admin.api.call("admin_create_agent", spare_form).await.ok::<AgentEntry>().id;
    let desk = Desk {
        server,
        carol,
        alice,
        bob,
        admin,
        logged_off: ghost.session.clone(),
        network,
        hardware,
        spare,
        http: reqwest::Client::new(),
    };
    let mut seen = Vec::new();
    for row in ROWS {
        let mut answers = Vec::new();
        for caller in CALLERS {
            answers.push(desk.call(row, caller).await);
        }
        seen.push(answers);
    }
    keep_open.iter().for_each(|task| task.abort());

    let wrong = ROWS
        .iter()
        .zip(&seen)
        .any(|(row, answers)| row.answers.iter().zip(answers).any(|(want, got)| want.label() != got.label()));
    assert!(!wrong, "the authorization matrix differs (✗ got ≠ want):\n{}", matrix(&seen));
    println!("{}", matrix(&seen));
}

/// Every server function registered in the binary has a row.
#[test]
fn every_server_function_has_a_row() {
    let mut registered: Vec<String> =
        leptos::server_fn::axum::server_fn_paths().map(|(path, _)| path.trim_start_matches("/api/").to_string()).collect();
    let mut rows: Vec<String> = ROWS.iter().map(|r| r.name.to_string()).filter(|n| n != HELLO && n != PHOTO).collect();
    registered.sort();
    rows.sort();
    rows.dedup();
    assert_eq!(rows, registered, "add one `row(…)` line per new server function to server/tests/authorization.rs");
}

/// The matrix as text: each cell's answer, wrong ones marked `✗ got ≠ want`.
fn matrix(seen: &[Vec<Answer>]) -> String {
    let width = 22;
    let mut out = format!("{:<width$}", "");
    for heading in HEADINGS {
        out.push_str(&format!(" | {heading:<16}"));
    }
    out.push('\n');
    for (row, answers) in ROWS.iter().zip(seen) {
        out.push_str(&format!("{:<width$}", row.name));
        for (want, got) in row.answers.iter().zip(answers) {
            let cell =
                if want.label() == got.label() { got.label() } else { format!("✗ {} ≠ {}", got.label(), want.label()) };
            out.push_str(&format!(" | {cell:<16}"));
        }
        out.push('\n');
    }
    out
}
