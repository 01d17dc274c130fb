//! Ticket records from chats (issue 6): the Interaction opened on accept (or the previous one),
//! edits with optimistic versioning seen live, the admin's field mapping, incidents converted
//! mid-chat or added after it, notes, Related Records both ways, history, search and who may
//! see what. Runs on SQLite, and on PostgreSQL under `make test-integration-pg`.
mod common;

use common::*;

fn numbers(related: &[RelatedRecord]) -> Vec<String> {
    related.iter().map(|r| r.number.clone()).collect()
}

#[tokio::test]
async fn accepting_opens_an_interaction_prefilled_from_the_chat_and_related_both_ways() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "My VPN drops every hour").await;
    let (transcript, records) = alice.take_with_records(chat.id()).await;

    let interaction = records.interaction.clone().expect("an interaction on accept");
    assert!(interaction.number.starts_with("SD"), "{}", interaction.number);
    assert_eq!(interaction.kind, TicketKind::Interaction);
    assert_eq!(interaction.fields.title, "My VPN drops every hour");
    assert_eq!(interaction.fields.contact_name, "Erin Enduser");
    assert_eq!(interaction.fields.contact_email, "erin@example.com");
    assert_eq!(interaction.fields.contact_phone, "+1 555 0100");
    assert_eq!(interaction.fields.location, "Head office, floor 3");
    assert_eq!(interaction.group.name, "Network");
    assert_eq!(interaction.assignee.as_ref().map(|a| a.id), Some(alice.id()));
    assert_eq!(interaction.chat_id, Some(chat.id()));
    assert_eq!(records.notice, None);
    assert!(records.incident.is_none());

    // Related Records, from either side.
    let on_chat: RecordView = alice.try_record(&transcript.request.number).await.ok();
    assert_eq!(numbers(&on_chat.related), vec![interaction.number.clone()]);
    let on_interaction: RecordView = alice.try_record(&interaction.number).await.ok();
    assert_eq!(numbers(&on_interaction.related), vec![transcript.request.number.clone()]);
    assert_eq!(on_interaction.transcript.map(|t| t.request.id), Some(chat.id()), "the transcript is one click away");

    // A reload (the console's snapshot) shows it beside the chat.
    let console = alice.console().await;
    assert_eq!(console.records.len(), 1);
    assert_eq!(console.records[0].interaction.as_ref().map(|t| t.id), Some(interaction.id));
}

#[tokio::test]
async fn edits_are_saved_seen_live_by_the_group_and_a_stale_save_is_refused_with_the_current_values() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chat = start_chat(&server, "Network", "Printer offline").await;
    let (mut chat_ws, _) = chat.listen(&server, 0).await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let opened = records.interaction.unwrap();
    let (mut carol_ws, _) = carol.listen(&server, 0).await;

    let mut edit = opened.fields.clone();
    edit.priority = Priority::High;
    edit.category = "Printing".into();
    let saved: Ticket = alice.try_save_ticket(&opened, &edit).await.ok();
    assert_eq!(saved.version, opened.version + 1);
    assert_eq!(saved.fields.category, "Printing");

    // Carol (same group) sees the save live.
    let frames =
        carol_ws.until(|f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::TicketSaved { .. }, .. }))).await;
    let Some(ServerFrame::Event(StreamEvent { event: ChatEvent::TicketSaved { ticket }, .. })) = frames.last() else {
        unreachable!()
    };
    assert_eq!(ticket.fields.category, "Printing");

    // Carol saves from the version she opened: refused, with Alice's values, nothing overwritten.
    let mut stale_edit = opened.fields.clone();
    stale_edit.category = "Network".into();
    let refusal = carol.try_save_ticket(&opened, &stale_edit).await.refusal(StatusCode::CONFLICT);
    let ApiError::Stale { current } = &refusal else { panic!("{refusal:?}") };
    assert_eq!(current.fields.category, "Printing");
    assert_eq!(current.version, saved.version);
    assert!(refusal.to_string().contains("nothing was overwritten"), "{refusal}");
    // From the current version, her save goes through.
    let resaved: Ticket = carol.try_save_ticket(current, &stale_edit).await.ok();
    assert_eq!(resaved.version, saved.version + 1);

    // Bad values are refused by name.
    let mut empty = resaved.fields.clone();
    empty.title = "  ".into();
    assert_eq!(alice.try_save_ticket(&resaved, &empty).await.refused(StatusCode::UNPROCESSABLE_ENTITY), "Title cannot be empty.");

    // The end user's socket never hears of the ticket.
    chat.post("u-1", "still there?").await;
    let heard = chat_ws.until(|f| posted(f).is_some()).await;
    assert!(
        heard.iter().all(|f| !matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::TicketSaved { .. }, .. }))),
        "{heard:?}"
    );
    let (_, replay) = chat.listen(&server, 0).await;
    assert!(replay.events.iter().all(|e| e.event.chat_id().is_some()), "{:?}", replay.events);
}

#[tokio::test]
async fn a_previous_ticket_of_the_same_contact_is_reopened_and_a_wrong_one_gives_a_notice() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let first = start_chat(&server, "Network", "VPN again").await;
    let (_, first_records) = alice.take_with_records(first.id()).await;
    let previous = first_records.interaction.unwrap();
    alice.end(first.id()).await;

    // The same contact names it: related, opened, no new interaction.
    let again =
        start_chat_with(&server, "Network", "My VPN drops every hour", |f| f.previous_ticket = previous.number.to_lowercase())
            .await;
    let (transcript, records) = alice.take_with_records(again.id()).await;
    assert_eq!(records.interaction.as_ref().map(|t| t.id), Some(previous.id));
    assert_eq!(records.notice, None);
    let view: RecordView = alice.try_record(&previous.number).await.ok();
    let mut related = numbers(&view.related);
    related.sort();
    assert_eq!(related, vec![chat_number(first.id()), transcript.request.number.clone()]);

    // Another contact's ticket, or one that does not exist: a new interaction and a notice.
    for given in [previous.number.clone(), "SD99999".to_string(), "XY-123".to_string()] {
        let other = start_chat_with(&server, "Network", "My VPN drops every hour", |f| {
            f.email = "mallory@example.com".into();
            f.previous_ticket = given.clone();
        })
        .await;
        let (_, records) = alice.take_with_records(other.id()).await;
        let new = records.interaction.expect("a new interaction");
        assert_ne!(new.id, previous.id, "{given}");
        assert_eq!(new.fields.contact_email, "mallory@example.com");
        let notice = records.notice.expect("a notice");
        assert!(notice.contains(&given) && notice.contains(&new.number), "{notice}");
    }
}

#[tokio::test]
async fn the_admin_mapping_decides_how_new_interactions_are_prefilled() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let alice = Agent::log_on(&server, ALICE).await;
    let mut settings = admin.settings().await;
    assert!(settings.mapping.iter().any(|m| m.from == "question" && m.to == "title"));

    settings.mapping = vec![
        FieldMap { from: "number".into(), to: "title".into() },
        FieldMap { from: "group".into(), to: "category".into() },
        FieldMap { from: "email".into(), to: "contact_email".into() },
    ];
    // Agents may not change settings; unknown or unfitting fields are refused by name.
    assert_eq!(alice.try_save_settings(&settings).await.refused(StatusCode::FORBIDDEN), "Only an admin can do that.");
    let mut unknown = settings.clone();
    unknown.mapping.push(FieldMap { from: "shoe_size".into(), to: "title".into() });
    assert!(admin
        .try_save_settings(&unknown)
        .await
        .refused(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("Unknown chat request field 'shoe_size'"));
    let mut unfitting = settings.clone();
    unfitting.mapping[2] = FieldMap { from: "name".into(), to: "contact_email".into() };
    assert!(admin
        .try_save_settings(&unfitting)
        .await
        .refused(StatusCode::UNPROCESSABLE_ENTITY)
        .contains("cannot fill Contact email"));
    let _: DeskSettings = admin.try_save_settings(&settings).await.ok();
    assert_eq!(admin.settings().await.mapping, settings.mapping);

    let chat = start_chat(&server, "Network", "Mapped").await;
    let (transcript, records) = alice.take_with_records(chat.id()).await;
    let fields = records.interaction.unwrap().fields;
    assert_eq!(fields.title, transcript.request.number);
    assert_eq!(fields.category, "Network");
    assert_eq!(fields.contact_email, "erin@example.com");
    assert_eq!(fields.contact_name, "", "not mapped any more");
    assert_eq!(fields.description, "");
}

#[tokio::test]
async fn converting_mid_chat_makes_one_incident_related_to_the_chat_and_its_interaction() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Switch on floor 3 is down").await;
    let (transcript, records) = alice.take_with_records(chat.id()).await;
    chat.post("u-1", "Nothing works since 9am").await;

    let incident: Ticket = alice.try_convert(chat.id()).await.ok();
    assert!(incident.number.starts_with("IM"), "{}", incident.number);
    assert_eq!(incident.fields.title, "Switch on floor 3 is down");
    assert_eq!(incident.fields.contact_email, "erin@example.com");
    assert_eq!(incident.group.name, "Network");
    assert!(!incident.fields.description.contains("Nothing works since 9am"), "no transcript mid-chat");
    let again: Ticket = alice.try_convert(chat.id()).await.ok();
    assert_eq!(again.id, incident.id, "pressing it again does not create a second");
    assert_eq!(alice.records(chat.id()).await.incident.map(|t| t.id), Some(incident.id));

    let interaction = records.interaction.unwrap();
    let on_incident: RecordView = alice.try_record(&incident.number).await.ok();
    let mut related = numbers(&on_incident.related);
    related.sort();
    assert_eq!(related, vec![transcript.request.number.clone(), interaction.number.clone()]);
    let on_interaction: RecordView = alice.try_record(&interaction.number).await.ok();
    assert!(numbers(&on_interaction.related).contains(&incident.number));

    // After the end, "Add as request" finds the incident there already.
    alice.end(chat.id()).await;
    let after: Ticket = alice.try_add_as_request(chat.id()).await.ok();
    assert_eq!(after.id, incident.id);
}

#[tokio::test]
async fn add_as_request_after_the_chat_holds_the_whole_transcript() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let chat = start_chat(&server, "Network", "Wifi password").await;
    alice.take(chat.id()).await;
    assert!(alice.try_add_as_request(chat.id()).await.refused(StatusCode::UNPROCESSABLE_ENTITY).contains("ended"));
    chat.post("u-1", "What is the guest wifi password?").await;
    alice.post(chat.id(), "a-1", "It is on the poster at reception.").await;
    chat.end().await;
    assert!(alice.try_convert(chat.id()).await.refused(StatusCode::UNPROCESSABLE_ENTITY).contains("Add as request"));

    let incident: Ticket = alice.try_add_as_request(chat.id()).await.ok();
    let description = &incident.fields.description;
    assert!(description.contains("] Erin Enduser: What is the guest wifi password?"), "{description}");
    assert!(description.contains("] Alice Agent: It is on the poster at reception."), "{description}");
    assert!(description.contains(" UTC] "), "time-stamped: {description}");
    let again: Ticket = alice.try_add_as_request(chat.id()).await.ok();
    assert_eq!(again.id, incident.id);
}

#[tokio::test]
async fn a_note_goes_to_the_incident_or_else_the_interaction_and_never_reaches_the_end_user() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let chat = start_chat(&server, "Network", "Laptop slow").await;
    let (mut user_ws, _) = chat.listen(&server, 0).await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let interaction = records.interaction.unwrap();
    let (mut carol_ws, _) = carol.listen(&server, 0).await;

    let on_interaction: Note = alice.try_chat_note(chat.id(), "Customer sounds stressed").await.ok();
    assert_eq!(on_interaction.ticket_id, interaction.id);
    assert_eq!(on_interaction.author.id, alice.id());
    let incident: Ticket = alice.try_convert(chat.id()).await.ok();
    let on_incident: Note = alice.try_chat_note(chat.id(), "Escalated to second line").await.ok();
    assert_eq!(on_incident.ticket_id, incident.id);
    assert_eq!(alice.try_chat_note(chat.id(), "   ").await.refused(StatusCode::UNPROCESSABLE_ENTITY), "A note cannot be empty.");

    let view: RecordView = alice.try_record(&incident.number).await.ok();
    assert_eq!(view.notes.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(), vec!["Escalated to second line"]);
    assert_eq!(alice.records(chat.id()).await.notes.iter().map(|n| n.id).collect::<Vec<_>>(), vec![on_incident.id]);

    // The group hears of it live; the end user neither live nor in a replay.
    carol_ws.until(|f| matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::NoteAdded { note }, .. }) if note.id == on_incident.id)).await;
    alice.post(chat.id(), "a-1", "Done").await;
    let heard = user_ws.until(|f| posted(f).is_some()).await;
    assert!(
        heard.iter().all(|f| !matches!(f, ServerFrame::Event(StreamEvent { event: ChatEvent::NoteAdded { .. }, .. }))),
        "{heard:?}"
    );
    let (_, replay) = chat.listen(&server, 0).await;
    assert!(replay.events.iter().all(|e| !matches!(e.event, ChatEvent::NoteAdded { .. } | ChatEvent::TicketSaved { .. })));
    let (_, alice_replay) = alice.listen(&server, 0).await;
    assert_eq!(alice_replay.events.iter().filter(|e| matches!(e.event, ChatEvent::NoteAdded { .. })).count(), 2);
}

#[tokio::test]
async fn agents_see_only_their_groups_records_and_admins_see_all() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let chat = start_chat(&server, "Network", "Router blinking red").await;
    let (transcript, records) = alice.take_with_records(chat.id()).await;
    let interaction = records.interaction.unwrap();
    alice.end(chat.id()).await;

    // Bob (Hardware) cannot open, edit, note, search or list it.
    for number in [interaction.number.as_str(), transcript.request.number.as_str()] {
        assert_eq!(bob.try_record(number).await.refused(StatusCode::NOT_FOUND), "No such record, or it is not in your groups.");
    }
    assert_eq!(
        bob.try_save_ticket(&interaction, &interaction.fields).await.refusal(StatusCode::NOT_FOUND),
        ApiError::NoSuchRecord
    );
    bob.try_ticket_note(interaction.id, "peek").await.refused(StatusCode::NOT_FOUND);
    bob.try_records(chat.id()).await.refused(StatusCode::NOT_FOUND);
    let found: RecordPage = bob.try_search(&RecordQuery::default()).await.ok();
    assert!(found.rows.is_empty(), "{found:?}");
    assert!(bob.history(None).await.entries.is_empty());

    // Alice and the admin do.
    let found: RecordPage = admin.try_search(&RecordQuery { text: "router".into(), ..RecordQuery::default() }).await.ok();
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![interaction.id]);
    let _: RecordView = admin.try_record(&interaction.number).await.ok();
    let history = alice.history(None).await;
    assert_eq!(history.entries.iter().map(|e| e.request.id).collect::<Vec<_>>(), vec![chat.id()]);
    assert_eq!(history.entries[0].interaction.as_deref(), Some(interaction.number.as_str()));
    assert_eq!(bob.try_record("XX1").await.refused(StatusCode::NOT_FOUND), "No such record, or it is not in your groups.");
}

#[tokio::test]
async fn records_are_found_by_number_contact_text_kind_and_status_a_page_at_a_time() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let mut interactions = Vec::new();
    for n in 0..3 {
        let chat = start_chat_with(&server, "Network", "My VPN drops every hour", |f| {
            f.question = format!("Disk {n} is full");
            f.name = format!("Zed {n}");
            f.email = format!("zed{n}@example.com");
        })
        .await;
        interactions.push(alice.take_with_records(chat.id()).await.1.interaction.unwrap());
    }
    let incident: Ticket = alice.try_convert(interactions[2].chat_id.unwrap()).await.ok();
    let search = |query: RecordQuery| {
        let alice = &alice;
        async move {
            let page: RecordPage = alice.try_search(&query).await.ok();
            page.rows.iter().map(|r| r.number.clone()).collect::<Vec<_>>()
        }
    };
    let q = |text: &str| RecordQuery { text: text.into(), ..RecordQuery::default() };
    assert_eq!(search(q(&interactions[1].number)).await, vec![interactions[1].number.clone()]);
    assert_eq!(search(q("ZED1@EXAMPLE")).await, vec![interactions[1].number.clone()]);
    assert_eq!(search(q("disk 2")).await, vec![incident.number.clone(), interactions[2].number.clone()], "newest first");
    assert_eq!(search(RecordQuery { kind: Some(TicketKind::Incident), ..q("") }).await, vec![incident.number.clone()]);
    assert_eq!(search(q("100%")).await, Vec::<String>::new(), "% is no wildcard");
    assert_eq!(search(q("%_")).await, Vec::<String>::new(), "punctuation alone finds nothing");
    assert_eq!(search(q("dis zed")).await.len(), 4, "every word a prefix of a word");

    let mut closed = interactions[0].fields.clone();
    closed.status = TicketStatus::Closed;
    let _: Ticket = alice.try_save_ticket(&interactions[0], &closed).await.ok();
    assert_eq!(search(RecordQuery { status: Some(TicketStatus::Closed), ..q("") }).await, vec![interactions[0].number.clone()]);

    // Paging: `before` the last id of a page continues after it.
    let all: RecordPage = alice.try_search(&q("")).await.ok();
    assert_eq!(all.rows.len(), 4);
    assert!(!all.more);
    let rest: RecordPage = alice.try_search(&RecordQuery { before: Some(all.rows[1].id), ..q("") }).await.ok();
    assert_eq!(rest.rows, all.rows[2..].to_vec());
    assert!(alice.try_search(&q(&"x".repeat(201))).await.refused(StatusCode::UNPROCESSABLE_ENTITY).contains("200"));
}
