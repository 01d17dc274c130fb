//! For the server-side unit tests: stores on temporary SQLite files, and valid widget forms.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use super::Store;
use crate::domain::validate::ValidStartChat;
use crate::model::{AgentCard, GroupId, Role};

/// A fresh SQLite file (an in-memory database would be one per pooled connection); removed
/// when dropped.
pub struct TempDb(pub PathBuf);

impl TempDb {
    pub fn new() -> TempDb {
        TempDb(std::env::temp_dir().join(format!("deskchat-test-{}.db", uuid::Uuid::new_v4().simple())))
    }

    /// A store (with its own writer, like a server node) on this file.
    pub async fn open(&self) -> Arc<Store> {
        open(&self.0).await
    }
}

impl Drop for TempDb {
    fn drop(&mut self) {
        for suffix in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(format!("{}{suffix}", self.0.display()));
        }
    }
}

async fn open(path: &Path) -> Arc<Store> {
    Arc::new(Store::connect(&format!("sqlite://{}?mode=rwc", path.display())).await.expect("open the store"))
}

/// A valid widget form for the `n`th end user of a group.
pub fn form(group_id: GroupId, n: usize) -> ValidStartChat {
    ValidStartChat {
        name: format!("User {n}"),
        email: format!("u{n}@example.com"),
        phone: None,
        location: "HQ".into(),
        photo: None,
        group_id,
        question: "Help".into(),
        previous_ticket: None,
    }
}

/// A group "Network" with one agent in it: the group's id and the agent as events show them.
pub async fn group_with_agent(store: &Store) -> (GroupId, AgentCard) {
    let group = store.ensure_group("Network").await.expect("create the group");
    (group, agent_in(store, group, "a@x.test", "Alice").await)
}

/// An agent of `group`, as events show them.
pub async fn agent_in(store: &Store, group: GroupId, email: &str, name: &str) -> AgentCard {
    let id = store.create_agent(email, name, None, "hash", Role::Agent, &[group]).await.expect("create the agent");
    AgentCard { id, name: name.into(), photo_url: None }
}
