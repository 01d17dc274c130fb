//! The access rule of `domain/access.rs` as SQL, for the reads that list many rows at once
//! (record search, history, related records). Nothing here decides anything of its own: each
//! function states one of the rule's functions as a condition on a row, and the tests below
//! compare the two on real rows, so they cannot drift apart unseen.
//!
//! Ids are integers and are written into the text (as `id_list` does), never user text.

use super::id_list;
use crate::domain::access::Staff;

/// Whether `staff` takes part in chat `c` (holds it or joined it as a guest).
fn takes_part(staff: &Staff, c: &str) -> String {
    let id = staff.id;
    format!("({c}.agent_id = {id} OR {c}.id IN (SELECT chat_id FROM chat_guests WHERE agent_id = {id}))")
}

/// `{column} IN (the staff's groups and those they supervise)`, or false when there are none:
/// whose records `Staff::in_group` or `Staff::supervises_group` opens (an admin's are all, by
/// the callers).
fn in_groups(staff: &Staff, column: &str) -> String {
    let groups: Vec<_> = staff.groups.iter().chain(&staff.supervises).copied().collect();
    if groups.is_empty() {
        "1 = 0".to_string()
    } else {
        format!("{column} IN ({})", id_list(&groups))
    }
}

/// `Staff::may_read_chat_record` for rows of `chat_requests` named `c`.
pub(super) fn chat_records(staff: &Staff, c: &str) -> String {
    if staff.admin {
        return "1 = 1".to_string();
    }
    format!("({} OR {})", in_groups(staff, &format!("{c}.group_id")), takes_part(staff, c))
}

/// `Staff::may_read_ticket` for rows of `tickets` named `t`: the holders are the chats whose
/// interaction or incident it is. They are looked up per row, by index, and only for rows the
/// cheaper terms before did not let through: an agent who took 100,000 chats must not make
/// every search collect 100,000 ids first.
pub(super) fn tickets(staff: &Staff, t: &str) -> String {
    if staff.admin {
        return "1 = 1".to_string();
    }
    let held =
        |slot: &str| format!("EXISTS (SELECT 1 FROM chat_requests h WHERE h.{slot} = {t}.id AND {})", takes_part(staff, "h"));
    format!(
        "({} OR {t}.assignee_id = {} OR {} OR {})",
        in_groups(staff, &format!("{t}.group_id")),
        staff.id,
        held("interaction_id"),
        held("incident_id")
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::domain::lifecycle::ChatState;
    use crate::model::*;
    use crate::ssr::store::test_support::{form, TempDb};
    use crate::ssr::store::{Opening, Store};

    /// The ids the SQL condition selects, and the ids the rule allows, for every caller.
    async fn compare(store: &Store, callers: &[Staff]) {
        let chat_ids: Vec<i64> =
            sqlx::query_scalar("SELECT id FROM chat_requests ORDER BY id").fetch_all(&store.pool).await.unwrap();
        let ticket_ids: Vec<i64> = sqlx::query_scalar("SELECT id FROM tickets ORDER BY id").fetch_all(&store.pool).await.unwrap();
        let mut chats = Vec::new();
        for id in &chat_ids {
            chats.push(store.chat(*id).await.unwrap());
        }
        for staff in callers {
            let sql = format!("SELECT c.id FROM chat_requests c WHERE {} ORDER BY c.id", chat_records(staff, "c"));
            let by_sql: Vec<i64> = sqlx::query_scalar(&sql).fetch_all(&store.pool).await.unwrap();
            let by_rule: Vec<i64> = chats.iter().filter(|c| staff.may_read_chat_record(c)).map(|c| c.id).collect();
            assert_eq!(by_sql, by_rule, "chat records for {staff:?}");

            let sql = format!("SELECT t.id FROM tickets t WHERE {} ORDER BY t.id", tickets(staff, "t"));
            let by_sql: Vec<i64> = sqlx::query_scalar(&sql).fetch_all(&store.pool).await.unwrap();
            let mut by_rule = Vec::new();
            for id in &ticket_ids {
                let ticket = store.ticket(*id).await.unwrap().unwrap();
                let holders = store.holders(*id).await.unwrap();
                if staff.may_read_ticket(&ticket, &holders) {
                    by_rule.push(*id);
                }
            }
            assert_eq!(by_sql, by_rule, "tickets for {staff:?}");
        }
    }

    /// Chats in every state with holders, guests and transfers across two groups, their
    /// interactions and incidents; every kind of caller.
    #[tokio::test]
    async fn the_sql_scopes_select_what_the_access_rule_allows() {
        let db = TempDb::new();
        let store = db.open().await;
        let network = store.ensure_group("Network").await.unwrap();
        let hardware = store.ensure_group("Hardware").await.unwrap();
        let mut agents = Vec::new();
        for (n, groups) in [vec![network], vec![hardware], vec![network, hardware], vec![]].into_iter().enumerate() {
            let id =
                store.create_agent(&format!("a{n}@x.test"), &format!("A{n}"), None, "h", Role::Agent, &groups).await.unwrap();
            agents.push((AgentCard { id, name: format!("A{n}"), photo_url: None }, groups));
        }
        let (alice, bob, carol, dave) = (&agents[0].0, &agents[1].0, &agents[2].0, &agents[3].0);
        let group = |id| AssignmentGroup { id, name: String::new() };
        let fields = TicketFields { title: "t".into(), contact_email: "u0@example.com".into(), ..TicketFields::default() };
        let now = 1_000;
        // 0: waiting in Network. 1: Alice's, Dave invited and joined. 2: Alice's, transferred to
        // Bob in Hardware. 3: Carol's, ended, with an incident. 4: Alice's, back to Hardware's queue.
        let mut ids = Vec::new();
        for n in 0..5 {
            let chat = store.create_chat(&form(network, n), &format!("token-{n}"), now, None).await.unwrap();
            ids.push(chat.id);
        }
        for (n, agent) in [(1, alice), (2, alice), (3, carol), (4, alice)] {
            let chat = store.chat(ids[n]).await.unwrap();
            let by = Staff { id: agent.id, admin: false, groups: vec![network], supervises: vec![] };
            store.accept(&chat, agent, None, Some(Opening { fields: fields.clone(), by }), now).await.unwrap();
        }
        let chat = store.chat(ids[1]).await.unwrap();
        store.invite(&chat, dave, alice, now).await.unwrap();
        let chat = store.chat(ids[1]).await.unwrap();
        store.join(&chat, dave, now).await.unwrap();
        let chat = store.chat(ids[2]).await.unwrap();
        store.transfer(&chat, Some(bob), &group(hardware), now, None).await.unwrap();
        let chat = store.chat(ids[3]).await.unwrap();
        store.chat_incident(&chat, fields.clone(), Some(carol.clone()), now).await.unwrap();
        let chat = store.chat(ids[3]).await.unwrap();
        store.end(&chat, crate::domain::lifecycle::Party::Agent, now).await.unwrap();
        let chat = store.chat(ids[4]).await.unwrap();
        store.transfer(&chat, None, &group(hardware), now, None).await.unwrap();
        assert_eq!(store.chat(ids[4]).await.unwrap().state, ChatState::Queued);

        let mut callers: Vec<Staff> = agents
            .iter()
            .map(|(card, groups)| Staff { id: card.id, admin: false, groups: groups.clone(), supervises: vec![] })
            .collect();
        callers.push(Staff { id: 999, admin: true, ..Staff::default() });
        callers.push(Staff { id: 998, ..Staff::default() });
        // Supervisors: of Hardware only; of Network while a member of Hardware.
        callers.push(Staff { id: 997, supervises: vec![hardware], ..Staff::default() });
        callers.push(Staff { id: agents[1].0.id, groups: vec![hardware], supervises: vec![network], ..Staff::default() });
        compare(&store, &callers).await;
    }
}
