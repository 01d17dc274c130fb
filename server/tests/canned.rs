//! Canned messages (issue 7): scopes decide who sees and who may change each one. Alice is in
//! Service Desk and Network, Bob in Hardware, Carol in Network; the admin in all of them.
mod common;

use common::*;

fn draft(title: &str, scope: CannedScope) -> CannedDraft {
    CannedDraft { category: "Greetings".into(), title: title.into(), text: format!("{title}, {{end_user}}!"), scope: Some(scope) }
}

fn titles(list: &[CannedMessage]) -> Vec<&str> {
    list.iter().map(|c| c.title.as_str()).collect()
}

#[tokio::test]
async fn each_agent_sees_the_desk_wide_ones_their_groups_and_their_own_only() {
    let server = TestServer::start().await;
    let (alice, bob, carol, admin) = (
        Agent::log_on(&server, ALICE).await,
        Agent::log_on(&server, BOB).await,
        Agent::log_on(&server, CAROL).await,
        Agent::log_on(&server, ADMIN).await,
    );
    let network = Api::new(&server).group_id("Network").await;
    let hardware = Api::new(&server).group_id("Hardware").await;

    let everyone: CannedMessage = admin.try_save_canned(None, &draft("Welcome", CannedScope::Everyone)).await.ok();
    let _: CannedMessage = carol.try_save_canned(None, &draft("Network hello", CannedScope::Group(network))).await.ok();
    let _: CannedMessage = bob.try_save_canned(None, &draft("Hardware hello", CannedScope::Group(hardware))).await.ok();
    let alices: CannedMessage = alice.try_save_canned(None, &draft("Alice's own", CannedScope::Mine)).await.ok();
    let _: CannedMessage = bob.try_save_canned(None, &draft("Bob's own", CannedScope::Mine)).await.ok();

    assert_eq!(titles(&alice.canned().await), vec!["Alice's own", "Network hello", "Welcome"]);
    assert_eq!(titles(&bob.canned().await), vec!["Bob's own", "Hardware hello", "Welcome"]);
    assert_eq!(titles(&carol.canned().await), vec!["Network hello", "Welcome"]);
    // Not even an admin sees an agent's personal ones.
    assert_eq!(titles(&admin.canned().await), vec!["Hardware hello", "Network hello", "Welcome"]);

    // Editable says what each may change.
    let of_alice = alice.canned().await;
    let editable: Vec<(&str, bool)> = of_alice.iter().map(|c| (c.title.as_str(), c.editable)).collect();
    assert_eq!(editable, vec![("Alice's own", true), ("Network hello", true), ("Welcome", false)]);

    // Bob cannot change (or learn of) Alice's own one, nor the desk-wide one.
    let refused = bob.try_save_canned(Some(alices.id), &draft("Mine now", CannedScope::Mine)).await;
    assert_eq!(refused.refused(StatusCode::NOT_FOUND), "No such record, or it is not in your groups.");
    bob.try_delete_canned(alices.id).await.refused(StatusCode::NOT_FOUND);
    assert_eq!(bob.try_delete_canned(everyone.id).await.refused(StatusCode::FORBIDDEN), "Only an admin can do that.");
    let refused = alice.try_save_canned(None, &draft("Desk-wide", CannedScope::Everyone)).await;
    assert_eq!(refused.refused(StatusCode::FORBIDDEN), "Only an admin can do that.");
    let refused = alice.try_save_canned(None, &draft("For Hardware", CannedScope::Group(hardware))).await;
    assert_eq!(refused.refused(StatusCode::FORBIDDEN), "You can only keep canned messages for your own groups.");
    assert_eq!(
        alice
            .try_save_canned(None, &CannedDraft { title: " ".into(), ..draft("x", CannedScope::Mine) })
            .await
            .refused(StatusCode::UNPROCESSABLE_ENTITY),
        "Give the canned message a title."
    );

    // Alice edits and deletes her own.
    let edited: CannedMessage = alice.try_save_canned(Some(alices.id), &draft("Alice's edited", CannedScope::Mine)).await.ok();
    assert_eq!(edited.id, alices.id);
    assert_eq!(edited.text, "Alice's edited, {end_user}!");
    let () = alice.try_delete_canned(alices.id).await.ok();
    assert_eq!(titles(&alice.canned().await), vec!["Network hello", "Welcome"]);
    assert_eq!(titles(&bob.canned().await), vec!["Bob's own", "Hardware hello", "Welcome"]);
}
