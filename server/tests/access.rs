//! Who may see and change what (issue 15, domain/access.rs), from outside: a previous ticket ID
//! never opens another group's record, a transfer moves the chat's open records to the receiver
//! and out of the old group's sight, and notes land only where their writer may write. Runs on
//! SQLite, and on PostgreSQL under `make test-integration-pg`.
mod common;

use common::*;

const NO_RECORD: &str = "No such record, or it is not in your groups.";

/// Finding 1: an end user picks Hardware and names a Network interaction with its contact's
/// email. Bob (Hardware only) gets a new interaction and a notice, never the named one.
#[tokio::test]
async fn a_previous_ticket_of_another_group_is_never_opened_to_the_accepting_agent() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let first = start_chat(&server, "Network", "VPN drops").await;
    let (_, records) = alice.take_with_records(first.id()).await;
    let network_interaction = records.interaction.unwrap();
    let _: Note = alice.try_chat_note(first.id(), "Network's own note").await.ok();
    alice.end(first.id()).await;

    let named = network_interaction.number.clone();
    let chat = start_chat_with(&server, "Hardware", "Laptop", |f| f.previous_ticket = named.clone()).await;
    let (_, records) = bob.take_with_records(chat.id()).await;
    let interaction = records.interaction.expect("an interaction");
    assert_ne!(interaction.id, network_interaction.id, "Bob must not get Network's interaction");
    assert_eq!(interaction.group.name, "Hardware");
    assert!(records.notes.is_empty(), "{:?}", records.notes);
    let notice = records.notice.expect("Bob is told plainly");
    assert!(notice.contains(&named) && notice.contains(&interaction.number), "{notice}");

    // He can neither open nor write into the named one, through his chat or directly.
    assert_eq!(bob.try_record(&named).await.refused(StatusCode::NOT_FOUND), NO_RECORD);
    let note: Note = bob.try_chat_note(chat.id(), "Bob's note").await.ok();
    assert_eq!(note.ticket_id, interaction.id);
    assert_eq!(bob.try_ticket_note(network_interaction.id, "peek").await.refused(StatusCode::NOT_FOUND), NO_RECORD);
    let view: RecordView = alice.try_record(&named).await.ok();
    assert_eq!(view.notes.iter().map(|n| n.body.as_str()).collect::<Vec<_>>(), vec!["Network's own note"]);
    // Nor is it related to his chat, so its number and title do not show there either.
    let view: RecordView = bob.try_record(&chat_number(chat.id())).await.ok();
    assert!(view.related.iter().all(|r| r.number != named), "{:?}", view.related);
}

/// Finding 2: after Alice (Network) hands a chat to Bob (Hardware), its Interaction and Incident
/// are Bob's to save and open; Alice and Carol (Network, never in the chat) no longer open them,
/// nor the chat's record with its transcript. Each record's notes say where it went.
#[tokio::test]
async fn a_transfer_moves_the_chats_open_records_to_the_receiver_and_out_of_the_old_groups_sight() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let hardware = Api::new(&server).group_id("Hardware").await;
    let chat = start_chat(&server, "Network", "Printer on fire").await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let interaction = records.interaction.unwrap();
    let incident: Ticket = alice.try_convert(chat.id()).await.ok();
    let (_bob_ws, _) = bob.listen(&server, 0).await;
    alice.try_transfer(chat.id(), TransferTarget::Agent { agent_id: bob.id(), group_id: hardware }).await.ok::<()>();

    // Bob: both records beside the chat, now Hardware's and his; he saves and opens them.
    let beside = bob.records(chat.id()).await;
    for ticket in [beside.interaction.clone().unwrap(), beside.incident.clone().unwrap()] {
        assert_eq!((ticket.group.name.as_str(), ticket.assignee.as_ref().map(|a| a.id)), ("Hardware", Some(bob.id())));
    }
    let moved = beside.interaction.unwrap();
    assert_eq!(moved.id, interaction.id);
    let fields = TicketFields { title: "Printer on fire (Hardware)".into(), ..moved.fields.clone() };
    let saved: Ticket = bob.try_save_ticket(&moved, &fields).await.ok();
    assert_eq!(saved.fields.title, "Printer on fire (Hardware)");
    for number in [&interaction.number, &incident.number, &chat_number(chat.id())] {
        let _: RecordView = bob.try_record(number).await.ok();
    }
    let view: RecordView = bob.try_record(&incident.number).await.ok();
    let moved_note = "Moved with chat";
    assert!(view.notes.iter().any(|n| n.body.starts_with(moved_note) && n.author.id == alice.id()), "{:?}", view.notes);
    let reply = bob.post(chat.id(), "b-1", "Hardware here").await;

    // Alice and Carol: no record of it any more, by number, search or history.
    for agent in [&alice, &carol] {
        for number in [&interaction.number, &incident.number, &chat_number(chat.id())] {
            assert_eq!(agent.try_record(number).await.refused(StatusCode::NOT_FOUND), NO_RECORD, "{number}");
        }
        let found: RecordPage = agent.try_search(&RecordQuery::default()).await.ok();
        assert!(found.rows.iter().all(|r| r.id != interaction.id && r.id != incident.id), "{found:?}");
        assert_eq!(agent.try_ticket_note(interaction.id, "still here?").await.refused(StatusCode::NOT_FOUND), NO_RECORD);
        agent.try_records(chat.id()).await.refused(StatusCode::NOT_FOUND);
    }
    // The admin still sees everything, the message posted after the transfer included.
    let admin = Agent::log_on(&server, ADMIN).await;
    let view: RecordView = admin.try_record(&interaction.number).await.ok();
    assert!(view.transcript.expect("the chat's transcript").messages.contains(&reply));
}

/// A guest from another group works on the chat's records while taking part, and not after.
#[tokio::test]
async fn a_guest_works_on_the_chats_records_while_taking_part() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let chat = start_chat(&server, "Network", "Docking station").await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let interaction = records.interaction.unwrap();
    let (_bob_ws, _) = bob.listen(&server, 0).await;
    alice.try_invite(chat.id(), bob.id()).await.ok::<()>();
    bob.join(chat.id()).await;

    let note: Note = bob.try_chat_note(chat.id(), "Hardware's view").await.ok();
    assert_eq!(note.ticket_id, interaction.id);
    let _: RecordView = bob.try_record(&interaction.number).await.ok();
    let found: RecordPage = bob.try_search(&RecordQuery::default()).await.ok();
    assert_eq!(found.rows.iter().map(|r| r.id).collect::<Vec<_>>(), vec![interaction.id]);

    bob.try_leave(chat.id()).await.ok::<()>();
    assert_eq!(bob.try_record(&interaction.number).await.refused(StatusCode::NOT_FOUND), NO_RECORD);
    assert_eq!(bob.try_ticket_note(interaction.id, "after leaving").await.refused(StatusCode::NOT_FOUND), NO_RECORD);
}

/// A chat handed back to a queue keeps its Interaction: whoever accepts it next gets that one,
/// not a second.
#[tokio::test]
async fn a_chat_accepted_again_after_a_queue_keeps_its_interaction() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let bob = Agent::log_on(&server, BOB).await;
    let hardware = Api::new(&server).group_id("Hardware").await;
    let chat = start_chat(&server, "Network", "Monitor flickers").await;
    let (_, records) = alice.take_with_records(chat.id()).await;
    let interaction = records.interaction.unwrap();
    alice.try_transfer(chat.id(), TransferTarget::Queue { group_id: hardware }).await.ok::<()>();
    let (_, again) = bob.take_with_records(chat.id()).await;
    let kept = again.interaction.expect("the chat's interaction");
    assert_eq!(kept.id, interaction.id);
    assert_eq!((kept.group.name.as_str(), kept.assignee.map(|a| a.id)), ("Hardware", Some(bob.id())));
    assert_eq!(again.notice, None);
    assert!(again.notes.iter().any(|n| n.body.ends_with("to the Hardware queue.")), "{:?}", again.notes);
}
