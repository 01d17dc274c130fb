//! The browser models against the server, Zulip-style (issue 15): random interleavings of the
//! desk's work (start, accept, post, transfer to an agent or a queue, invite, join, leave, end,
//! notes, ticket saves); after each burst, for every kind of viewer, the model its screen keeps
//! (`ConsoleModel`, `WidgetModel`: a snapshot plus the events it received live, applied by the
//! same code the browser runs) equals a model made from a fresh snapshot; and what each agent
//! can load over HTTP agrees with the access rule (`domain/access.rs`).
//!
//! The interleaving comes from a seed (`DESKCHAT_EQUIVALENCE_SEED`, default below), printed on
//! failure, so a failing run can be replayed. Runs on SQLite (and on PostgreSQL under
//! `make test-integration-pg`), and always on two nodes sharing one PostgreSQL with viewers and
//! workers spread over both.
mod common;

use app::domain::access::Staff;
use app::ui::console::model::{ConsoleFollowUp, ConsoleModel};
use app::ui::widget::model::WidgetModel;
use common::*;

const BURSTS: usize = 16;
const STEPS_PER_BURST: usize = 12;

/// xorshift64*: a fixed, dependency-free sequence per seed.
struct Dice(u64);

impl Dice {
    fn below(&mut self, n: usize) -> usize {
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        (self.0.wrapping_mul(0x2545_F491_4F6C_DD1D) >> 33) as usize % n.max(1)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> Option<&'a T> {
        (!items.is_empty()).then(|| &items[self.below(items.len())])
    }
}

/// One agent's console as the browser keeps it.
struct Console {
    agent: Agent,
    model: ConsoleModel,
    ws: WsClient,
}

impl Console {
    async fn open(server: &TestServer, email: &str) -> Console {
        let agent = Agent::log_on(server, email).await;
        let model = ConsoleModel::from_snapshot(agent.console().await);
        let (ws, replay) = agent.listen(server, model.position).await;
        let mut console = Console { agent, model, ws };
        for event in replay.events {
            console.apply(&event).await;
        }
        console
    }

    /// What `ConsolePage` does with an event: the model's `apply`, then its follow-up.
    async fn apply(&mut self, event: &StreamEvent) {
        if let ConsoleFollowUp::LoadTranscript(chat_id) = self.model.apply(event) {
            if let Ok(transcript) = self.agent.try_load_chat(chat_id).await.try_ok::<ChatTranscript>() {
                self.model.open(transcript);
            }
        }
        // The records panel loads the records of a chat shown without them.
        let missing: Vec<ChatId> =
            self.model.chats.iter().map(|c| c.id()).filter(|id| self.model.records(*id).is_none()).collect();
        for chat_id in missing {
            if let Ok(records) = self.agent.try_records(chat_id).await.try_ok::<ChatRecords>() {
                self.model.set_records(records);
            }
        }
    }

    /// Applies what arrives until the model equals a fresh one; fails with both if nothing more
    /// arrives for `WAIT` while they differ.
    async fn settle(&mut self, seed: u64) {
        loop {
            let fresh = ConsoleModel::from_snapshot(self.agent.console().await);
            if console_view(&self.model) == console_view(&fresh) {
                return;
            }
            let frame = self.ws.try_next_frame().await.unwrap_or_else(|| {
                panic!(
                    "seed {seed}: {}'s console differs from a fresh snapshot and nothing more arrives:\n model {:#?}\n fresh {:#?}",
                    self.agent.name(),
                    console_view(&self.model),
                    console_view(&fresh)
                )
            });
            if let ServerFrame::Event(event) = frame {
                self.apply(&event).await;
            }
        }
    }
}

/// One end user's widget as the browser keeps it.
struct Widget {
    chat: EndUserChat,
    model: WidgetModel,
    ws: WsClient,
}

impl Widget {
    async fn open(server: &TestServer, chat: EndUserChat) -> Widget {
        let model = WidgetModel::from_snapshot(chat.resume().await);
        let (ws, replay) = chat.listen(server, model.position).await;
        let mut widget = Widget { chat, model, ws };
        for frame in replay.frames {
            widget.apply(frame);
        }
        widget
    }

    /// What `WidgetPage` does with a frame.
    fn apply(&mut self, frame: ServerFrame) {
        match frame {
            ServerFrame::Event(event) => self.model.apply(&event),
            other => self.model.apply_queue(&other),
        }
    }

    async fn settle(&mut self, seed: u64) {
        loop {
            let fresh = WidgetModel::from_snapshot(self.chat.resume().await);
            if widget_view(&self.model) == widget_view(&fresh) {
                return;
            }
            let frame = self.ws.try_next_frame().await.unwrap_or_else(|| {
                panic!(
                    "seed {seed}: the widget of chat {} differs from a fresh snapshot and nothing more arrives:\n model {:#?}\n fresh {:#?}",
                    self.chat.id(),
                    widget_view(&self.model),
                    widget_view(&fresh)
                )
            });
            self.apply(frame);
        }
    }
}

/// A chat request as the screens show it. (`closed_at_ms` is not compared: events carry no
/// time, and no screen shows it.)
#[derive(Debug, PartialEq, Eq)]
struct RequestView {
    id: ChatId,
    group: GroupId,
    state: ChatState,
    agent: Option<AgentId>,
    guests: Vec<AgentId>,
    invited: Vec<AgentId>,
    incident: Option<String>,
    version: i64,
}

fn request_view(r: &ChatRequest) -> RequestView {
    RequestView {
        id: r.id,
        group: r.group.id,
        state: r.state,
        agent: r.agent.as_ref().map(|a| a.id),
        guests: r.guests.iter().map(|g| g.id).collect(),
        invited: r.invited.iter().map(|a| a.id).collect(),
        incident: r.incident.clone(),
        version: r.version,
    }
}

type TicketView = (TicketId, i64, GroupId, Option<AgentId>, String);

fn ticket_view(t: &Option<Ticket>) -> Option<TicketView> {
    t.as_ref().map(|t| (t.id, t.version, t.group.id, t.assignee.as_ref().map(|a| a.id), t.fields.title.clone()))
}

#[derive(Debug, PartialEq, Eq)]
struct ConsoleView {
    queued: Vec<RequestView>,
    chats: Vec<(RequestView, Vec<i64>)>,
    records: Vec<(ChatId, Option<TicketView>, Option<TicketView>, Vec<i64>)>,
    invitations: Vec<ChatId>,
}

/// The console as a fresh snapshot would show it. An ended chat stays on screen for its agent
/// to read (a reload drops it): compared are the chats still open, and their records.
fn console_view(m: &ConsoleModel) -> ConsoleView {
    let open = |id: ChatId| m.chat(id).is_some_and(|c| c.transcript.request.state.is_open());
    let mut chats: Vec<_> = m
        .chats
        .iter()
        .filter(|c| open(c.id()))
        .map(|c| (request_view(&c.transcript.request), c.transcript.messages.iter().map(|m| m.id).collect()))
        .collect();
    chats.sort_by_key(|(r, _)| r.id);
    let mut records: Vec<_> = m
        .records
        .iter()
        .filter(|r| open(r.chat_id))
        .map(|r| (r.chat_id, ticket_view(&r.interaction), ticket_view(&r.incident), r.notes.iter().map(|n| n.id).collect()))
        .collect();
    records.sort_by_key(|r| r.0);
    let mut invitations: Vec<ChatId> = m.invitations.iter().map(|i| i.request.id).collect();
    invitations.sort();
    ConsoleView { queued: m.queued.iter().map(request_view).collect(), chats, records, invitations }
}

#[derive(Debug, PartialEq, Eq)]
struct WidgetView {
    request: RequestView,
    messages: Vec<i64>,
    queue_place: Option<u32>,
}

fn widget_view(m: &WidgetModel) -> WidgetView {
    WidgetView {
        request: request_view(m.request()),
        messages: m.thread.transcript.messages.iter().map(|m| m.id).collect(),
        queue_place: m.queue_place,
    }
}

/// The number of a chat's Interaction, if it has one (as an admin reads it).
async fn chat_record_interaction(admin: &Agent, chat_id: ChatId) -> Option<String> {
    let view: RecordView = admin.try_record(&chat_number(chat_id)).await.ok();
    view.related.iter().find(|r| r.number.starts_with("SD")).map(|r| r.number.clone())
}

/// The desk as an admin reads it now: each chat's request.
async fn chat_now(admin: &Agent, chat_id: ChatId) -> ChatRequest {
    let view: RecordView = admin.try_record(&chat_number(chat_id)).await.ok();
    view.transcript.expect("the admin reads every transcript").request
}

/// One random step of the desk's work, done through the API as a person would; refusals are
/// part of the game (a chat may have changed since it was picked) and change nothing. Returns
/// what was done, if it was not refused.
async fn step(
    dice: &mut Dice,
    server: &TestServer,
    consoles: &[Console],
    widgets: &mut Vec<Widget>,
    closed: &mut Vec<ChatId>,
    joined: &mut Vec<ChatId>,
    admin: &Agent,
    n: usize,
) -> Vec<&'static str> {
    let groups = ["Network", "Hardware", "Service Desk"];
    let open: Vec<ChatId> = widgets.iter().map(|w| w.chat.id()).filter(|id| !closed.contains(id)).collect();
    let agents: Vec<&Agent> = consoles.iter().map(|c| &c.agent).collect();
    let roll = dice.below(14);
    if roll == 0 || open.is_empty() {
        let group = *dice.pick(&groups).unwrap();
        // Every chat is the same end user's: now and then one names an earlier chat's
        // Interaction as its previous ticket, whichever group that was in.
        let earlier: Vec<ChatId> = widgets.iter().map(|w| w.chat.id()).collect();
        let mut previous = None;
        if dice.below(2) == 0 {
            for _ in 0..3 {
                if let Some(id) = dice.pick(&earlier) {
                    previous = previous.or(chat_record_interaction(admin, *id).await);
                }
            }
        }
        let named = previous.clone().unwrap_or_default();
        let chat = start_chat_with(server, group, &format!("Question {n}"), |f| f.previous_ticket = named).await;
        widgets.push(Widget::open(server, chat).await);
        return if previous.is_some() { vec!["start", "start naming a previous ticket"] } else { vec!["start"] };
    }
    // Leaving wants a chat someone joined; anything else any open chat.
    let with_guests: Vec<ChatId> = joined.iter().copied().filter(|id| open.contains(id)).collect();
    let chat_id = *(if matches!(roll, 9 | 12) { dice.pick(&with_guests) } else { None }).or(dice.pick(&open)).unwrap();
    let chat = chat_now(admin, chat_id).await;
    let holder = agents.iter().find(|a| chat.agent.as_ref().is_some_and(|h| h.id == a.id())).copied();
    let participant = agents.iter().find(|a| chat.takes_part(a.id())).copied();
    let anyone = *dice.pick(&agents).unwrap();
    let members: Vec<&Agent> =
        agents.iter().filter(|a| a.profile.groups.iter().any(|g| g.id == chat.group.id)).copied().collect();
    let widget = widgets.iter().find(|w| w.chat.id() == chat_id).unwrap();
    let done = |what: &'static str, reply: Reply| if reply.status == StatusCode::OK { vec![what] } else { vec![] };
    match roll {
        1 | 2 => {
            let member = *dice.pick(&members).unwrap_or(&anyone);
            let accepted = matches!(member.try_accept(chat_id).await.try_ok(), Ok(AcceptOutcome::Accepted(..)));
            if accepted {
                vec!["accept"]
            } else {
                vec![]
            }
        }
        3 => done("end user posts", widget.chat.try_post(&format!("u-{n}"), "From the end user").await),
        4 => match participant {
            Some(p) => done("agent posts", p.try_post(chat_id, &format!("a-{n}"), "From an agent").await),
            None => vec![],
        },
        5 | 6 => match holder {
            Some(h) => {
                let (what, target) = match dice.below(2) {
                    0 => {
                        let to = *dice.pick(&agents).unwrap();
                        let group = to.profile.groups.first().map(|g| g.id).unwrap_or(chat.group.id);
                        ("transfer to an agent", TransferTarget::Agent { agent_id: to.id(), group_id: group })
                    }
                    _ => {
                        let group = Api::new(server).group_id(dice.pick(&groups).unwrap()).await;
                        ("transfer to a queue", TransferTarget::Queue { group_id: group })
                    }
                };
                // Now and then the holder writes while handing the chat on: the message lands
                // before the transfer (and goes with the chat) or is decided again after it.
                if dice.below(3) == 0 {
                    let client_id = format!("race-{n}");
                    let (handed, posted) =
                        tokio::join!(h.try_transfer(chat_id, target), h.try_post(chat_id, &client_id, "Racing"));
                    let mut did = done(what, handed);
                    did.extend(done("post racing a transfer", posted));
                    return did;
                }
                done(what, h.try_transfer(chat_id, target).await)
            }
            None => vec![],
        },
        7 | 13 => match participant {
            Some(p) => {
                // Someone not in the chat yet (else it is refused, which teaches little).
                let outside: Vec<&Agent> = agents.iter().filter(|a| !chat.takes_part(a.id())).copied().collect();
                let anyone = *dice.pick(&outside).unwrap_or(&anyone);
                let mut did = done("invite", p.try_invite(chat_id, anyone.id()).await);
                if dice.below(3) != 0 {
                    did.extend(done("join", anyone.try_join(chat_id).await));
                }
                if did.contains(&"join") {
                    joined.push(chat_id);
                }
                did
            }
            None => vec![],
        },
        8 => {
            let did = done("join", anyone.try_join(chat_id).await);
            if !did.is_empty() {
                joined.push(chat_id);
            }
            did
        }
        9 | 12 => match agents.iter().find(|a| chat.is_guest(a.id())) {
            Some(guest) => done("leave", guest.try_leave(chat_id).await),
            None => vec![],
        },
        10 => match participant {
            Some(p) => {
                let mut did = done("note", p.try_chat_note(chat_id, &format!("Note {n}")).await);
                if let Ok(ChatRecords { interaction: Some(t), .. }) = p.try_records(chat_id).await.try_ok::<ChatRecords>() {
                    let fields = TicketFields { title: format!("Saved at step {n}"), ..t.fields.clone() };
                    did.extend(done("save", p.try_save_ticket(&t, &fields).await));
                }
                did
            }
            None => vec![],
        },
        11 => {
            let did = match (dice.below(2), holder) {
                (0, Some(h)) => done("agent ends", h.try_end(chat_id).await),
                _ => done(
                    "end user ends",
                    widget.chat.api.call("end_as_end_user", serde_json::json!({ "token": widget.chat.token })).await,
                ),
            };
            if !did.is_empty() {
                closed.push(chat_id);
            }
            did
        }
        _ => unreachable!("a roll is below 14"),
    }
}

/// What each agent may load over HTTP agrees with the access rule, for every chat and its
/// Interaction.
async fn check_access(seed: u64, consoles: &[Console], widgets: &[Widget], admin: &Agent) {
    let mut chats = Vec::new();
    for widget in widgets {
        let chat = chat_now(admin, widget.chat.id()).await;
        let interaction = chat_record_interaction(admin, chat.id).await;
        chats.push((chat, interaction));
    }
    for (chat, interaction) in &chats {
        // A previous ticket named again is held by every chat it was opened beside.
        let holders: Vec<ChatRequest> =
            chats.iter().filter(|(_, other)| other.is_some() && other == interaction).map(|(c, _)| c.clone()).collect();
        let ticket = match interaction {
            Some(number) => admin.try_record(number).await.ok::<RecordView>().ticket,
            None => None,
        };
        for console in consoles {
            let staff = Staff::from(&console.agent.profile);
            let who = format!("seed {seed}: {} on {}", console.agent.name(), chat.number);
            let loads = console.agent.try_load_chat(chat.id).await.status == StatusCode::OK;
            assert_eq!(loads, staff.may_see_chat(chat), "{who}: load_chat");
            let reads = console.agent.try_record(&chat.number).await.status == StatusCode::OK;
            assert_eq!(reads, staff.may_read_chat_record(chat), "{who}: its record");
            if let (Some(number), Some(ticket)) = (interaction, &ticket) {
                let reads = console.agent.try_record(number).await.status == StatusCode::OK;
                assert_eq!(reads, staff.may_read_ticket(ticket, &holders), "{who}: {number}");
            }
        }
    }
}

async fn run(nodes: &[&TestServer]) {
    let seed: u64 = std::env::var("DESKCHAT_EQUIVALENCE_SEED").ok().and_then(|s| s.parse().ok()).unwrap_or(0x5EED_2026_1202);
    let mut dice = Dice(seed);
    let on = |i: usize| nodes[i % nodes.len()];
    let admin = Agent::log_on(on(0), ADMIN).await;
    let mut consoles = Vec::new();
    for (i, email) in [ALICE, BOB, CAROL, ADMIN].into_iter().enumerate() {
        consoles.push(Console::open(on(i), email).await);
    }
    let mut widgets: Vec<Widget> = Vec::new();
    let mut done = std::collections::BTreeMap::<&str, usize>::new();
    let (mut closed, mut joined) = (Vec::new(), Vec::new());
    for burst in 0..BURSTS {
        for s in 0..STEPS_PER_BURST {
            let n = burst * STEPS_PER_BURST + s;
            for what in step(&mut dice, on(n), &consoles, &mut widgets, &mut closed, &mut joined, &admin, n).await {
                *done.entry(what).or_default() += 1;
            }
        }
        for console in &mut consoles {
            console.settle(seed).await;
        }
        for widget in &mut widgets {
            widget.settle(seed).await;
        }
        check_access(seed, &consoles, &widgets, &admin).await;
    }
    // The interleaving did every kind of work at least once, or it proves less than it says.
    let kinds = [
        "start",
        "start naming a previous ticket",
        "accept",
        "end user posts",
        "agent posts",
        "transfer to an agent",
        "transfer to a queue",
        "invite",
        "join",
        "leave",
        "note",
        "save",
        "agent ends",
        "end user ends",
    ];
    let missing: Vec<&str> = kinds.into_iter().filter(|k| !done.contains_key(k)).collect();
    assert!(missing.is_empty(), "seed {seed}: the run never did {missing:?} (done: {done:?})");
}

#[tokio::test]
async fn every_viewers_model_plus_its_events_equals_a_fresh_snapshot() {
    let server = TestServer::start().await;
    run(&[&server]).await;
}

/// The same over two nodes on one PostgreSQL (`DESKCHAT_TEST_POSTGRES`, else the local server,
/// as `two_nodes.rs`).
#[tokio::test]
async fn the_same_holds_with_viewers_and_workers_on_two_nodes() {
    let first = TestServer::start_on_postgres().await;
    let second = first.another_node().await;
    run(&[&first, &second]).await;
}
