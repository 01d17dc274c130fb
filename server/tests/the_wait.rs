//! The end user's wait (issue 17): a group outside its business hours, or with nobody online
//! where the admin wants that, or with a wait above the admin's limit, takes no live chat; the
//! widget's form leaves a message instead, which becomes one 'Offline request' incident however
//! often it is sent. The wait estimate comes from the group's recent pickups. Time is the test
//! clock's.
mod common;

use common::*;
use serde_json::json;

const MIN: i64 = 60_000;

/// Business hours with no opening at all: closed whenever the test runs.
fn never_open() -> GroupSettings {
    GroupSettings {
        hours: Some(BusinessHours { time_zone: "Europe/Berlin".into(), openings: vec![], holidays: vec![] }),
        ..GroupSettings::default()
    }
}

/// Open every day, all day.
fn always_open() -> GroupSettings {
    let openings = (0..7).map(|weekday| Opening { weekday, opens: 0, closes: 24 * 60 }).collect();
    GroupSettings { hours: Some(BusinessHours { time_zone: "America/New_York".into(), openings, holidays: vec![] }), ..GroupSettings::default() }
}

async fn request(api: &Api, form: &StartChat) -> StartChatOutcome {
    api.call("request_chat", json!({ "form": form })).await.ok()
}

async fn leave(api: &Api, form: &StartChat, key: &str) -> Reply {
    api.call("leave_message", json!({ "form": form, "request_key": key })).await
}

fn option<'a>(options: &'a [GroupOption], name: &str) -> &'a GroupOption {
    options.iter().find(|o| o.group.name == name).unwrap()
}

#[tokio::test]
async fn outside_business_hours_a_message_is_left_instead_and_makes_one_incident() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let alice = Agent::log_on(&server, ALICE).await; // Service Desk, Network
    let api = Api::new(&server);
    let hardware = api.group_id("Hardware").await;
    let saved: GroupSettings = admin.try_save_group_settings(hardware, &never_open()).await.ok();
    assert_eq!(saved, never_open());

    // The widget is told before the form is sent, and the other groups are unaffected.
    let options = api.group_options().await;
    assert_eq!(option(&options, "Hardware").no_live_chat, Some(NoLiveChat::OutsideHours));
    assert_eq!(option(&options, "Network").no_live_chat, None);

    // A start sent anyway (an old list) stores nothing.
    let form = chat_form(hardware, "The printer on floor 3 is jammed");
    assert_eq!(request(&api, &form).await, StartChatOutcome::NoLiveChat { reason: NoLiveChat::OutsideHours });
    assert!(bob.console().await.queued.is_empty());

    // Left twice with one key (a lost answer): one incident, the same number both times.
    let first: MessageLeft = leave(&api, &form, "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b").await.ok();
    let again: MessageLeft = leave(&api, &form, "3f2b8c1e-5d4a-4e6f-9a7b-0c1d2e3f4a5b").await.ok();
    assert_eq!(first, again);
    assert_eq!(bob.incident_numbers().await, vec![first.number.clone()]);
    let view: RecordView = bob.try_record(&first.number).await.ok();
    let incident = view.ticket.expect("an incident");
    assert_eq!(incident.fields.category, "Offline request");
    assert_eq!(incident.fields.title, "Offline request: The printer on floor 3 is jammed");
    assert_eq!((incident.fields.contact_name.as_str(), incident.fields.contact_email.as_str()), ("Erin Enduser", "erin@example.com"));
    assert_eq!(incident.group.id, hardware);
    // Hardware's records: not Alice's.
    assert_eq!(alice.try_record(&first.number).await.refused(StatusCode::NOT_FOUND), "No such record, or it is not in your groups.");

    // Another message is another incident.
    let other: MessageLeft = leave(&api, &chat_form(hardware, "And the scanner"), "k-2").await.ok();
    assert_ne!(other.number, first.number);
    assert_eq!(bob.incident_numbers().await.len(), 2);

    // Opening hours again: live chats start.
    let _: GroupSettings = admin.try_save_group_settings(hardware, &always_open()).await.ok();
    assert_eq!(option(&api.group_options().await, "Hardware").no_live_chat, None);
    assert!(matches!(request(&api, &form).await, StartChatOutcome::Started { .. }));
}

#[tokio::test]
async fn with_nobody_online_a_message_is_offered_only_where_the_admin_wants_it() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let api = Api::new(&server);
    let (network, desk) = (api.group_id("Network").await, api.group_id("Service Desk").await);
    let settings = GroupSettings { leave_message_when_nobody_online: true, ..GroupSettings::default() };
    let _: GroupSettings = admin.try_save_group_settings(network, &settings).await.ok();

    let options = api.group_options().await;
    assert_eq!(option(&options, "Network").no_live_chat, Some(NoLiveChat::NobodyOnline));
    // Service Desk queues for whoever comes, as before.
    assert_eq!(option(&options, "Service Desk").no_live_chat, None);
    assert!(matches!(request(&api, &chat_form(desk, "Queued for later")).await, StartChatOutcome::Started { .. }));
    let form = chat_form(network, "The VPN drops");
    assert_eq!(request(&api, &form).await, StartChatOutcome::NoLiveChat { reason: NoLiveChat::NobodyOnline });

    // Alice (Network) opens her console: live chats again.
    let alice = Agent::log_on(&server, ALICE).await;
    let (_alice_ws, _) = alice.listen(&server, 0).await;
    until("Network has someone online", || api.group_options(), |o: &Vec<GroupOption>| option(o, "Network").no_live_chat.is_none()).await;
    assert!(matches!(request(&api, &form).await, StartChatOutcome::Started { .. }));
}

#[tokio::test]
async fn the_wait_is_estimated_from_recent_pickups_and_a_long_one_becomes_a_message() {
    let server = TestServer::start_with(&[TEST_CLOCK]).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let api = Api::new(&server);
    let network = api.group_id("Network").await;

    // No pickups yet: no estimate, never a made-up number.
    let first = start_chat(&server, "Network", "One").await;
    assert_eq!(first.snapshot.pace, None);
    // Three pickups, five minutes apart: three in ten minutes.
    alice.take(first.id()).await;
    for question in ["Two", "Three"] {
        server.advance_clock(5 * MIN).await;
        let chat = start_chat(&server, "Network", question).await;
        alice.take(chat.id()).await;
    }
    let waiting = start_chat(&server, "Network", "Four").await;
    let pace = waiting.snapshot.pace.expect("an estimate from three pickups");
    assert_eq!(pace, WaitPace { pickups: 3, span_ms: 10 * MIN });
    // First in the queue: ten minutes for three, about four minutes.
    assert_eq!(waiting.snapshot.queue_place, Some(1));
    assert_eq!(pace.minutes_for(1), Some(4));

    // With a five-minute limit, the next (second in line, about seven minutes) is a message.
    let limit = GroupSettings { wait_limit_minutes: Some(5), ..GroupSettings::default() };
    let _: GroupSettings = admin.try_save_group_settings(network, &limit).await.ok();
    let form = chat_form(network, "Five");
    assert_eq!(request(&api, &form).await, StartChatOutcome::NoLiveChat { reason: NoLiveChat::WaitTooLong { minutes: 7 } });
    assert_eq!(option(&api.group_options().await, "Network").no_live_chat, Some(NoLiveChat::WaitTooLong { minutes: 7 }));
    // Once the waiting one is taken, the queue is short again.
    alice.take(waiting.id()).await;
    assert!(matches!(request(&api, &form).await, StartChatOutcome::Started { .. }));
}

#[tokio::test]
async fn bad_settings_and_bad_messages_are_refused_with_the_reason_and_change_nothing() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let api = Api::new(&server);
    let network = api.group_id("Network").await;

    let bad = GroupSettings {
        hours: Some(BusinessHours {
            time_zone: "Mars/Olympus".into(),
            openings: vec![Opening { weekday: 1, opens: 17 * 60, closes: 9 * 60 }],
            holidays: vec!["next week".into()],
        }),
        leave_message_when_nobody_online: false,
        wait_limit_minutes: Some(0),
        ..GroupSettings::default()
    };
    let refused = admin.try_save_group_settings(network, &bad).await.refused(StatusCode::UNPROCESSABLE_ENTITY);
    for part in ["Mars/Olympus", "Tuesday", "next week", "wait limit"] {
        assert!(refused.contains(part), "{part:?} in {refused:?}");
    }
    // Only admins.
    assert_eq!(alice.try_save_group_settings(network, &never_open()).await.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    assert_eq!(alice.api.call("admin_group_settings", json!({})).await.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    let all: Vec<(GroupId, GroupSettings)> = admin.api.call("admin_group_settings", json!({})).await.ok();
    assert!(all.iter().all(|(_, s)| *s == GroupSettings::default()), "nothing was saved: {all:?}");
    // The change an admin makes is in the audit log.
    let _: GroupSettings = admin.try_save_group_settings(network, &never_open()).await.ok();
    let page: AuditPage = admin.api.call("admin_audit_log", json!({})).await.ok();
    assert_eq!((page.lines[0].action, page.lines[0].subject.as_str()), (AuditAction::ChangeGroupSettings, "Network"));

    // A message with a broken form names the fields; a key that is no key is refused; neither
    // makes an incident.
    let mut form = chat_form(network, "");
    form.email = "nope".into();
    let ApiError::InvalidForm(errors) = leave(&api, &form, "k-1").await.refusal(StatusCode::UNPROCESSABLE_ENTITY) else {
        panic!("field errors expected")
    };
    let fields: Vec<FormField> = errors.iter().map(|e| e.field).collect();
    assert_eq!(fields, vec![FormField::Email, FormField::Question]);
    let refused = leave(&api, &chat_form(network, "Fine"), "not a key!").await.refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("key"), "{refused}");
    assert!(alice.incident_numbers().await.is_empty());
}

#[tokio::test]
async fn one_message_sent_to_two_nodes_at_once_makes_one_incident() {
    let a = TestServer::start_on_postgres().await;
    let b = a.another_node().await;
    let bob = Agent::log_on(&a, BOB).await;
    let (api_a, api_b) = (Api::new(&a), Api::new(&b));
    let form = chat_form(api_a.group_id("Hardware").await, "Sent twice, to both nodes");
    for round in 0..5 {
        let key = format!("race-{round}");
        let (left_a, left_b) = tokio::join!(leave(&api_a, &form, &key), leave(&api_b, &form, &key));
        let (left_a, left_b): (MessageLeft, MessageLeft) = (left_a.ok(), left_b.ok());
        assert_eq!(left_a, left_b, "round {round}");
    }
    assert_eq!(bob.incident_numbers().await.len(), 5);
}

/// Issue 17: "Agents see it in Records and, if the admin wants, as a request in the console when
/// the group opens." Left while closed; listed in the group's consoles (only where the admin
/// asked), so they are there when it opens; taken by one agent only, then gone from every console.
#[tokio::test]
async fn offline_requests_are_in_the_console_when_the_group_opens_and_one_agent_takes_each() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await; // Service Desk, Network
    let carol = Agent::log_on(&server, CAROL).await; // Network
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let api = Api::new(&server);
    let network = api.group_id("Network").await;
    let closed = GroupSettings { offline_requests_in_console: true, ..never_open() };
    let _: GroupSettings = admin.try_save_group_settings(network, &closed).await.ok();

    // A console opened before the opening minute already holds the (empty) list, which then
    // follows the messages as they are left (the console model applies their saves).
    let early = alice.console().await;
    assert_eq!((early.offline_request_groups.clone(), early.offline_requests.len()), (vec![network], 0));
    let left: MessageLeft = leave(&api, &chat_form(network, "The VPN drops every hour"), "night-1").await.ok();
    let _: MessageLeft = leave(&api, &chat_form(network, "Wi-Fi on floor 2 is down"), "night-2").await.ok();
    assert_eq!(carol.console().await.offline_requests.len(), 2, "there before the group opens");

    // The group opens: there they are.
    let open = GroupSettings { offline_requests_in_console: true, ..always_open() };
    let _: GroupSettings = admin.try_save_group_settings(network, &open).await.ok();
    let console = alice.console().await;
    assert_eq!(console.offline_request_groups, vec![network]);
    let listed: Vec<&str> = console.offline_requests.iter().map(|t| t.number.as_str()).collect();
    assert_eq!(listed.len(), 2);
    assert_eq!(listed[0], left.number, "oldest first");
    assert!(bob.console().await.offline_requests.is_empty(), "not his group");
    // Without the admin's wish, Records only.
    let hardware = api.group_id("Hardware").await;
    let _: GroupSettings = admin.try_save_group_settings(hardware, &always_open()).await.ok();
    let _: MessageLeft = leave(&api, &chat_form(hardware, "Printer jam"), "day-1").await.ok();
    assert!(bob.console().await.offline_request_groups.is_empty());

    // Alice and Carol take the same one at once: one wins, the other is told who.
    let first = console.offline_requests[0].id;
    let (a, c) = tokio::join!(
        alice.api.call("take_offline_request", json!({ "ticket_id": first })),
        carol.api.call("take_offline_request", json!({ "ticket_id": first })),
    );
    let (winner, loser, loser_name) = match a.try_ok::<Ticket>() {
        Ok(ticket) => (ticket, c, "Carol Network"),
        Err(_) => (c.ok::<Ticket>(), a, "Alice Agent"),
    };
    assert_eq!(winner.fields.status, TicketStatus::InProgress);
    let ApiError::Invalid(why) = loser.refusal(StatusCode::UNPROCESSABLE_ENTITY) else { panic!("not Invalid") };
    assert!(why.contains(&format!("taken by {}", winner.assignee.as_ref().unwrap().name)), "{why}");
    assert!(!why.contains(loser_name), "{why}");
    // Gone from every console; the other one stays.
    for agent in [&alice, &carol] {
        let rest: Vec<TicketId> = agent.console().await.offline_requests.iter().map(|t| t.id).collect();
        assert_eq!(rest, vec![console.offline_requests[1].id]);
    }
    // Bob may not take Network's.
    let refused = bob.api.call("take_offline_request", json!({ "ticket_id": console.offline_requests[1].id })).await;
    assert_eq!(refused.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchRecord);
}
