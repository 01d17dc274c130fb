//! Supervisors (issue 18): an admin makes an agent a supervisor of groups, on the admin screens
//! and with `deskchat admin`; a supervisor reads the records of the groups they supervise and
//! of no other, without being a member (no request of the group waits for them).
mod common;

use common::*;
use reqwest::StatusCode;
use serde_json::json;

const NEW_PASSWORD: &str = "a long enough secret";

#[tokio::test]
async fn a_supervisor_reads_the_records_of_the_groups_they_supervise_and_of_no_other() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let bob = Agent::log_on(&server, BOB).await; // Hardware
    let carol = Agent::log_on(&server, CAROL).await; // Network
    let api = Api::new(&server);
    let (hardware, network) = (api.group_id("Hardware").await, api.group_id("Network").await);

    let form = NewAgent {
        email: "sue@desk.test".into(),
        name: "Sue Supervisor".into(),
        role: Some(Role::Agent),
        groups: vec![],
        password: NEW_PASSWORD.into(),
        supervises: vec![hardware, hardware],
    };
    let sue: AgentEntry = admin.api.call("admin_create_agent", json!({ "form": form })).await.ok();
    assert_eq!(sue.supervises.iter().map(|g| g.id).collect::<Vec<_>>(), [hardware], "each group once");
    let audit: AuditPage = admin.api.call("admin_audit_log", json!({})).await.ok();
    assert_eq!(audit.lines[0].detail, "name: Sue Supervisor; role: agent; groups: none; supervises: Hardware");
    let unknown = NewAgent { email: "sam@desk.test".into(), supervises: vec![9_999], ..form.clone() };
    let refused = admin.api.call("admin_create_agent", json!({ "form": unknown })).await;
    assert_eq!(refused.refused(StatusCode::UNPROCESSABLE_ENTITY), "Supervises: There is no such assignment group.");

    let in_hardware = start_chat(&server, "Hardware", "The dock does not charge").await;
    let in_network = start_chat(&server, "Network", "VPN drops").await;
    let supervisor = Agent::log_on_with(&server, "sue@desk.test", NEW_PASSWORD).await;
    let console = supervisor.console().await;
    assert_eq!(console.agent.supervises.iter().map(|g| g.id).collect::<Vec<_>>(), [hardware]);
    assert!(console.agent.groups.is_empty());
    assert!(console.queued.is_empty(), "a supervisor is not a member: no request waits for them");
    bob.take(in_hardware.id()).await;
    carol.take(in_network.id()).await;

    let hardware_record = in_hardware.snapshot.transcript.request.number.clone();
    let network_record = in_network.snapshot.transcript.request.number.clone();
    let record: RecordView = supervisor.try_record(&hardware_record).await.ok();
    assert_eq!(record.transcript.map(|t| t.request.id), Some(in_hardware.id()));
    assert_eq!(supervisor.try_record(&network_record).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchRecord);
    // Search: the Hardware chat's Interaction, not the Network one's.
    let found: RecordPage = supervisor.try_search(&RecordQuery::default()).await.ok();
    let groups: Vec<&str> = found.rows.iter().map(|r| r.group_name.as_str()).collect();
    assert!(groups.contains(&"Hardware") && !groups.contains(&"Network"), "{groups:?}");

    // No longer a supervisor of Hardware: the record closes at once (sessions see the change).
    let entry = |s: &AgentEntry| AgentChange {
        name: s.name.clone(),
        role: s.role,
        groups: vec![],
        max_chats: None,
        supervises: vec![network],
    };
    let changed: AgentEntry = admin.api.call("admin_update_agent", json!({ "id": sue.id, "change": entry(&sue) })).await.ok();
    assert_eq!(changed.supervises.iter().map(|g| g.id).collect::<Vec<_>>(), [network]);
    let supervisor = Agent::log_on_with(&server, "sue@desk.test", NEW_PASSWORD).await;
    assert_eq!(supervisor.try_record(&hardware_record).await.refusal(StatusCode::NOT_FOUND), ApiError::NoSuchRecord);
    let record: RecordView = supervisor.try_record(&network_record).await.ok();
    assert_eq!(record.transcript.map(|t| t.request.id), Some(in_network.id()));
}

#[tokio::test]
async fn the_shell_makes_an_agent_a_supervisor_and_takes_it_back() {
    let deployment = FreshDeployment::new().await;
    for name in ["Service Desk", "Hardware"] {
        let group = deployment.admin(&["create-group", "--name", name], "");
        assert!(group.status.success(), "{}", String::from_utf8_lossy(&group.stderr));
    }
    let created = deployment.admin(
        &["create-agent", "--email", "sue@example.com", "--name", "Sue", "--supervises", "Hardware", "--password-stdin"],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let out = String::from_utf8_lossy(&created.stdout);
    assert!(out.contains("Created Sue <sue@example.com>, agent, active, groups: none, supervises: Hardware"), "{out}");

    let more = deployment.admin(&["supervise", "--email", "SUE@example.com", "--group", "Service Desk"], "");
    assert!(more.status.success(), "{}", String::from_utf8_lossy(&more.stderr));
    assert!(String::from_utf8_lossy(&more.stdout).contains("sue@example.com now supervises Service Desk."));
    let again = deployment.admin(&["supervise", "--email", "sue@example.com", "--group", "Service Desk"], "");
    assert!(String::from_utf8_lossy(&again.stdout).contains("already supervised Service Desk; nothing changed"));
    let less = deployment.admin(&["stop-supervising", "--email", "sue@example.com", "--group", "Hardware"], "");
    assert!(less.status.success(), "{}", String::from_utf8_lossy(&less.stderr));
    let listed = deployment.admin(&["list"], "");
    let listed = String::from_utf8_lossy(&listed.stdout);
    assert!(listed.contains("Sue <sue@example.com>, agent, active, groups: none, supervises: Service Desk"), "{listed}");

    // Bad input: a clear message and exit code 2.
    let nope = deployment.admin(&["supervise", "--email", "sue@example.com", "--group", "Nope"], "");
    assert_eq!(nope.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&nope.stderr).contains("There is no such assignment group."));
    let no_group = deployment.admin(&["create-agent", "--email", "t@example.com", "--name", "T", "--supervises", "Nope"], "");
    assert_eq!(no_group.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_group.stderr).contains("Supervises: there is no assignment group \"Nope\""));
}
