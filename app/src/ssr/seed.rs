//! Demo data for a first run: assignment groups, agents in one or more of them, an admin.

use super::auth::hash_password;
use super::store::{Store, StoreResult};
use crate::model::Role;

pub const DEMO_PASSWORD: &str = "deskchat-demo";

pub struct DemoAgent {
    pub email: &'static str,
    pub name: &'static str,
    pub role: Role,
    pub groups: &'static [&'static str],
}

pub const DEMO_GROUPS: [&str; 3] = ["Service Desk", "Network", "Hardware"];

pub const DEMO_AGENTS: [DemoAgent; 4] = [
    DemoAgent { email: "alice@deskchat.test", name: "Alice Agent", role: Role::Agent, groups: &["Service Desk", "Network"] },
    DemoAgent { email: "bob@deskchat.test", name: "Bob Builder", role: Role::Agent, groups: &["Hardware"] },
    DemoAgent { email: "carol@deskchat.test", name: "Carol Network", role: Role::Agent, groups: &["Network"] },
    DemoAgent {
        email: "admin@deskchat.test",
        name: "Ada Admin",
        role: Role::Admin,
        groups: &["Service Desk", "Network", "Hardware"],
    },
];

/// Seeds only an empty database, so restarts never duplicate or overwrite anything.
pub async fn seed_demo(store: &Store) -> StoreResult<bool> {
    if store.agent_count().await? > 0 {
        return Ok(false);
    }
    let mut group_ids = Vec::new();
    for name in DEMO_GROUPS {
        group_ids.push((name, store.ensure_group(name).await?));
    }
    let hash = hash_password(DEMO_PASSWORD);
    for agent in &DEMO_AGENTS {
        let groups: Vec<i64> = group_ids.iter().filter(|(name, _)| agent.groups.contains(name)).map(|(_, id)| *id).collect();
        store.create_agent(agent.email, agent.name, None, &hash, agent.role, &groups).await?;
    }
    Ok(true)
}
