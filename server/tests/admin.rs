//! Managing agents (issue 8): an admin creates, changes, deactivates and resets agents and
//! groups from the console's endpoints, every change leaves an audit line, nobody else may do
//! any of it, and `deskchat admin …` creates the first admin of an empty deployment.
mod common;

use common::*;
use serde_json::{json, Value};

const NEW_PASSWORD: &str = "a long enough secret";

async fn create_agent(admin: &Agent, email: &str, role: Role, groups: &[GroupId]) -> Reply {
    let form = NewAgent {
        email: email.into(),
        name: "Dana Desk".into(),
        role: Some(role),
        groups: groups.to_vec(),
        password: NEW_PASSWORD.into(),
        supervises: vec![],
    };
    admin.api.call("admin_create_agent", json!({ "form": form })).await
}

async fn agents(admin: &Agent) -> Vec<AgentEntry> {
    admin.api.call("admin_list_agents", json!({})).await.ok()
}

async fn entry(admin: &Agent, email: &str) -> AgentEntry {
    agents(admin).await.into_iter().find(|a| a.email == email).unwrap_or_else(|| panic!("no agent {email}"))
}

async fn set_active(admin: &Agent, id: AgentId, active: bool) -> Reply {
    admin.api.call("admin_set_agent_active", json!({ "id": id, "active": active })).await
}

async fn change(admin: &Agent, id: AgentId, name: &str, role: Role, groups: &[GroupId]) -> Reply {
    let change = AgentChange { name: name.into(), role, groups: groups.to_vec(), max_chats: None, supervises: vec![] };
    admin.api.call("admin_update_agent", json!({ "id": id, "change": change })).await
}

async fn audit(admin: &Agent) -> Vec<AuditLine> {
    let page: AuditPage = admin.api.call("admin_audit_log", json!({})).await.ok();
    page.lines
}

fn log_on_reply(api: &Api, email: &str, password: &str) -> impl std::future::Future<Output = Reply> {
    let api = api.clone();
    let (email, password) = (email.to_string(), password.to_string());
    async move { api.call("log_on", json!({ "email": email, "password": password })).await }
}

#[tokio::test]
async fn an_admin_creates_a_group_and_an_agent_in_it_who_then_logs_on() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let printers: AssignmentGroup = admin.api.call("admin_create_group", json!({ "name": " Printers " })).await.ok();
    assert_eq!(printers.name, "Printers");

    let created: AgentEntry = create_agent(&admin, "Dana@Desk.Test", Role::Agent, &[printers.id]).await.ok();
    assert_eq!((created.email.as_str(), created.role, created.active), ("dana@desk.test", Role::Agent, true));
    assert_eq!(created.groups, vec![printers.clone()]);
    assert_eq!(entry(&admin, "dana@desk.test").await, created);

    let dana = Agent::log_on_with(&server, "dana@desk.test", NEW_PASSWORD).await;
    let console = dana.console().await;
    assert_eq!(console.agent.groups, vec![printers.clone()]);
    assert_eq!(console.agent.role, Role::Agent);
    // The widget offers the new group.
    assert!(Api::new(&server).groups().await.contains(&printers));

    let lines = audit(&admin).await;
    let seen: Vec<(AuditAction, &str, Option<&str>)> =
        lines.iter().map(|l| (l.action, l.subject.as_str(), l.actor.as_deref())).collect();
    assert_eq!(
        seen,
        [
            (AuditAction::CreateAgent, "dana@desk.test", Some("Ada Admin")),
            (AuditAction::CreateGroup, "Printers", Some("Ada Admin")),
        ]
    );
    assert_eq!(lines[0].detail, "name: Dana Desk; role: agent; groups: Printers");
    assert!(!lines.iter().any(|l| l.detail.contains(NEW_PASSWORD)), "no password in the audit log");
}

#[tokio::test]
async fn bad_input_is_refused_naming_the_field_and_nothing_is_created() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let before = agents(&admin).await.len();

    let taken = create_agent(&admin, "ALICE@deskchat.test", Role::Agent, &[]).await;
    assert_eq!(taken.refused(StatusCode::UNPROCESSABLE_ENTITY), "An agent with that email already exists.");
    let bad_email = create_agent(&admin, "not-an-email", Role::Agent, &[]).await;
    assert!(bad_email.refused(StatusCode::UNPROCESSABLE_ENTITY).starts_with("Email:"));
    let form = NewAgent {
        email: "e@desk.test".into(),
        name: "E".into(),
        role: Some(Role::Agent),
        groups: vec![],
        password: "short".into(),
        supervises: vec![],
    };
    let short = admin.api.call("admin_create_agent", json!({ "form": form })).await;
    assert_eq!(short.refused(StatusCode::UNPROCESSABLE_ENTITY), "Password: at least 12 characters.");
    let form = NewAgent { name: "E\u{202e}\u{0}".into(), password: NEW_PASSWORD.into(), ..form };
    let control = admin.api.call("admin_create_agent", json!({ "form": form })).await;
    assert!(control.refused(StatusCode::UNPROCESSABLE_ENTITY).starts_with("Name: no control or text-direction characters"));
    let unknown_group = create_agent(&admin, "f@desk.test", Role::Agent, &[9999]).await;
    assert!(unknown_group.refused(StatusCode::UNPROCESSABLE_ENTITY).starts_with("Groups:"));
    assert_eq!(agents(&admin).await.len(), before);

    let dup = admin.api.call("admin_create_group", json!({ "name": "network" })).await;
    assert_eq!(dup.refused(StatusCode::UNPROCESSABLE_ENTITY), "A group with that name already exists.");
    let empty = admin.api.call("admin_create_group", json!({ "name": "  " })).await;
    assert_eq!(empty.refused(StatusCode::UNPROCESSABLE_ENTITY), "Group name: cannot be empty.");
    let network = Api::new(&server).group_id("Network").await;
    let rename = admin.api.call("admin_rename_group", json!({ "id": network, "name": "Hardware" })).await;
    assert_eq!(rename.refused(StatusCode::UNPROCESSABLE_ENTITY), "A group with that name already exists.");
    assert!(audit(&admin).await.is_empty(), "nothing refused is audited");
}

#[tokio::test]
async fn agents_who_are_not_admins_are_refused_every_admin_function() {
    let server = TestServer::start().await;
    let alice = Agent::log_on(&server, ALICE).await;
    let network = Api::new(&server).group_id("Network").await;
    let form = NewAgent {
        email: "x@desk.test".into(),
        name: "X".into(),
        role: Some(Role::Admin),
        groups: vec![],
        password: NEW_PASSWORD.into(),
        supervises: vec![],
    };
    let change =
        AgentChange { name: "Alice".into(), role: Role::Admin, groups: vec![network], max_chats: None, supervises: vec![] };
    let calls: [(&str, Value); 9] = [
        ("admin_list_agents", json!({})),
        ("admin_create_agent", json!({ "form": form })),
        ("admin_update_agent", json!({ "id": alice.id(), "change": change })),
        ("admin_set_agent_active", json!({ "id": alice.id(), "active": true })),
        ("admin_reset_password", json!({ "id": alice.id(), "password": NEW_PASSWORD })),
        ("admin_list_groups", json!({})),
        ("admin_create_group", json!({ "name": "Mine" })),
        ("admin_rename_group", json!({ "id": network, "name": "Mine" })),
        ("admin_audit_log", json!({})),
    ];
    let anonymous = Api::new(&server);
    for (endpoint, args) in calls {
        let refused = alice.api.call(endpoint, args.clone()).await.refusal(StatusCode::FORBIDDEN);
        assert_eq!(refused, ApiError::AdminOnly, "{endpoint}");
        assert_eq!(anonymous.call(endpoint, args).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn, "{endpoint}");
    }
    // Alice is still an agent, and nothing was written.
    let admin = Agent::log_on(&server, ADMIN).await;
    assert_eq!(entry(&admin, ALICE).await.role, Role::Agent);
    assert!(audit(&admin).await.is_empty());
    assert!(!Api::new(&server).groups().await.iter().any(|g| g.name == "Mine"));
}

#[tokio::test]
async fn a_deactivated_agent_cannot_log_on_and_their_session_stops_working() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let bob = Agent::log_on(&server, BOB).await;
    bob.console().await;

    let deactivated: AgentEntry = set_active(&admin, bob.id(), false).await.ok();
    assert!(!deactivated.active);
    assert_eq!(bob.api.call("load_console", json!({})).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);
    // The same answer as a wrong password: nobody learns the account exists.
    let again = log_on_reply(&Api::new(&server), BOB, PASSWORD).await;
    assert_eq!(again.refusal(StatusCode::UNAUTHORIZED), ApiError::BadCredentials);
    assert!(!admin.team().await.iter().any(|m| m.card.id == bob.id()), "gone from the team list");

    let reactivated: AgentEntry = set_active(&admin, bob.id(), true).await.ok();
    assert!(reactivated.active);
    Agent::log_on(&server, BOB).await.console().await;

    let lines = audit(&admin).await;
    let seen: Vec<(AuditAction, &str)> = lines.iter().map(|l| (l.action, l.subject.as_str())).collect();
    assert_eq!(seen, [(AuditAction::ReactivateAgent, BOB), (AuditAction::DeactivateAgent, BOB)]);
    assert_eq!(lines[1].detail, "sessions ended: 1");
}

#[tokio::test]
async fn a_password_reset_ends_the_agents_sessions() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let carol = Agent::log_on(&server, CAROL).await;
    let carol_elsewhere = Agent::log_on(&server, CAROL).await;

    let short = admin.api.call("admin_reset_password", json!({ "id": carol.id(), "password": "too short" })).await;
    assert_eq!(short.refused(StatusCode::UNPROCESSABLE_ENTITY), "Password: at least 12 characters.");
    carol.console().await;

    let reset = admin.api.call("admin_reset_password", json!({ "id": carol.id(), "password": NEW_PASSWORD })).await;
    let () = reset.ok();
    for session in [&carol, &carol_elsewhere] {
        assert_eq!(session.api.call("load_console", json!({})).await.refusal(StatusCode::UNAUTHORIZED), ApiError::NotSignedIn);
    }
    let old = log_on_reply(&Api::new(&server), CAROL, PASSWORD).await;
    assert_eq!(old.refusal(StatusCode::UNAUTHORIZED), ApiError::BadCredentials);
    Agent::log_on_with(&server, CAROL, NEW_PASSWORD).await.console().await;

    let line = &audit(&admin).await[0];
    assert_eq!(
        (line.action, line.subject.as_str(), line.detail.as_str()),
        (AuditAction::ResetPassword, CAROL, "sessions ended: 2")
    );
    assert!(!line.detail.contains(NEW_PASSWORD));
}

#[tokio::test]
async fn the_last_active_admin_can_be_neither_deactivated_nor_demoted() {
    let server = TestServer::start().await;
    let ada = Agent::log_on(&server, ADMIN).await;
    let alice_id = entry(&ada, ALICE).await.id;
    let network = Api::new(&server).group_id("Network").await;

    let refused = set_active(&ada, ada.id(), false).await.refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("last active admin"), "{refused}");
    let refused = change(&ada, ada.id(), "Ada Admin", Role::Agent, &[]).await.refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.starts_with("Role: this is the last active admin"), "{refused}");
    assert_eq!(entry(&ada, ADMIN).await.role, Role::Admin);

    // Alice becomes an admin (and changes groups); then Ada may step down, and Alice is the last.
    let alice_now: AgentEntry = change(&ada, alice_id, "Alice Admin", Role::Admin, &[network]).await.ok();
    assert_eq!((alice_now.name.as_str(), alice_now.role, alice_now.groups.len()), ("Alice Admin", Role::Admin, 1));
    let alice = Agent::log_on(&server, ALICE).await;
    let ada_now: AgentEntry = change(&alice, ada.id(), "Ada Agent", Role::Agent, &[]).await.ok();
    assert_eq!(ada_now.role, Role::Agent);
    // Ada's session knows at once that she is no longer an admin.
    assert_eq!(ada.api.call("admin_list_agents", json!({})).await.refusal(StatusCode::FORBIDDEN), ApiError::AdminOnly);
    let refused = set_active(&alice, alice.id(), false).await.refused(StatusCode::UNPROCESSABLE_ENTITY);
    assert!(refused.contains("last active admin"), "{refused}");

    let lines = audit(&alice).await;
    let seen: Vec<(AuditAction, &str, Option<&str>)> =
        lines.iter().map(|l| (l.action, l.subject.as_str(), l.actor.as_deref())).collect();
    assert_eq!(
        seen,
        [(AuditAction::ChangeAgent, ADMIN, Some("Alice Admin")), (AuditAction::ChangeAgent, ALICE, Some("Ada Agent")),]
    );
    assert_eq!(lines[0].detail, "name: Ada Agent; role: agent; groups: none");
}

#[tokio::test]
async fn groups_are_renamed_and_the_audit_log_pages_newest_first() {
    let server = TestServer::start().await;
    let admin = Agent::log_on(&server, ADMIN).await;
    let mut ids = Vec::new();
    for n in 0..55 {
        let group: AssignmentGroup = admin.api.call("admin_create_group", json!({ "name": format!("Group {n:02}") })).await.ok();
        ids.push(group.id);
    }
    let renamed: AssignmentGroup = admin.api.call("admin_rename_group", json!({ "id": ids[0], "name": "Printers" })).await.ok();
    assert_eq!(renamed, AssignmentGroup { id: ids[0], name: "Printers".into() });
    let groups: Vec<AssignmentGroup> = admin.api.call("admin_list_groups", json!({})).await.ok();
    assert!(groups.contains(&renamed) && groups.len() == 58);

    let first: AuditPage = admin.api.call("admin_audit_log", json!({ "before": null })).await.ok();
    assert_eq!(first.lines.len(), 50);
    assert!(first.more);
    assert_eq!(
        (first.lines[0].action, first.lines[0].subject.as_str(), first.lines[0].detail.as_str()),
        (AuditAction::RenameGroup, "Printers", "was: Group 00")
    );
    let last = first.lines.last().unwrap().id;
    let second: AuditPage = admin.api.call("admin_audit_log", json!({ "before": last })).await.ok();
    assert_eq!(second.lines.len(), 6);
    assert!(!second.more);
    let subjects: Vec<&str> = second.lines.iter().map(|l| l.subject.as_str()).collect();
    assert_eq!(subjects, ["Group 05", "Group 04", "Group 03", "Group 02", "Group 01", "Group 00"]);
}

#[tokio::test]
async fn the_shell_creates_the_first_admin_of_an_empty_deployment_who_then_logs_on() {
    let deployment = FreshDeployment::new().await;
    let group = deployment.admin(&["create-group", "--name", "Service Desk"], "");
    assert!(group.status.success(), "{}", String::from_utf8_lossy(&group.stderr));

    let created = deployment.admin(
        &["create-admin", "--email", "root@example.com", "--name", "Root Admin", "--group", "Service Desk", "--password-stdin"],
        &format!("{NEW_PASSWORD}\n"),
    );
    assert!(created.status.success(), "{}", String::from_utf8_lossy(&created.stderr));
    let out = String::from_utf8_lossy(&created.stdout);
    assert!(out.contains("Created Root Admin <root@example.com>, admin, active, groups: Service Desk"), "{out}");
    assert!(!out.contains(NEW_PASSWORD), "a password from stdin is not echoed");

    // Bad input: a clear message and exit code 2, nothing created.
    let short = deployment.admin(&["create-agent", "--email", "a@example.com", "--name", "A", "--password-stdin"], "short\n");
    assert_eq!(short.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&short.stderr).contains("Password: at least 12 characters."));
    let no_group = deployment.admin(&["create-agent", "--email", "a@example.com", "--name", "A", "--group", "Nope"], "");
    assert_eq!(no_group.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&no_group.stderr).contains("no assignment group \"Nope\""));
    let last = deployment.admin(&["deactivate", "--email", "root@example.com"], "");
    assert_eq!(last.status.code(), Some(2));

    // A generated password is printed once, and works.
    let agent = deployment.admin(&["create-agent", "--email", "b@example.com", "--name", "B", "--group", "Service Desk"], "");
    assert!(agent.status.success(), "{}", String::from_utf8_lossy(&agent.stderr));
    let out = String::from_utf8_lossy(&agent.stdout).to_string();
    let generated =
        out.lines().find_map(|l| l.trim().strip_prefix("password (shown only now): ")).expect("the password").to_string();
    let list = deployment.admin(&["list"], "");
    let listed = String::from_utf8_lossy(&list.stdout);
    assert!(
        listed.contains("Agents: 2") && listed.contains("B <b@example.com>, agent, active, groups: Service Desk"),
        "{listed}"
    );

    // Started without --seed-demo: no demo agents, and the shell's admin logs on.
    let server = deployment.start().await;
    let demo = log_on_reply(&Api::new(&server), ADMIN, PASSWORD).await;
    assert_eq!(demo.refusal(StatusCode::UNAUTHORIZED), ApiError::BadCredentials);
    let root = Agent::log_on_with(&server, "root@example.com", NEW_PASSWORD).await;
    assert_eq!(root.profile.role, Role::Admin);
    Agent::log_on_with(&server, "b@example.com", &generated).await.console().await;
    let lines = audit(&root).await;
    let seen: Vec<(AuditAction, Option<&str>)> = lines.iter().map(|l| (l.action, l.actor.as_deref())).collect();
    assert_eq!(seen, [(AuditAction::CreateAgent, None), (AuditAction::CreateAgent, None), (AuditAction::CreateGroup, None)]);
}
