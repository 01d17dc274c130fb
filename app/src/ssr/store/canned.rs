//! Canned messages: who sees which, and the writes of the screens that manage them. They
//! publish no events: each console reads them when it opens.

use sqlx::FromRow;

use super::{id_list, Store, StoreError, StoreResult};
use crate::domain::canned::ValidCanned;
use crate::model::*;

const CANNED_SELECT: &str = "SELECT c.id, c.category, c.title, c.body, c.scope, c.group_id, g.name AS group_name, c.agent_id \
     FROM canned_messages c LEFT JOIN assignment_groups g ON g.id = c.group_id";

#[derive(FromRow)]
struct CannedRow {
    id: i64,
    category: String,
    title: String,
    body: String,
    scope: String,
    group_id: Option<i64>,
    group_name: Option<String>,
    agent_id: Option<i64>,
}

/// A canned message as stored, with the owner the desk's rules need.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct StoredCanned {
    pub message: CannedMessage,
    pub owner: Option<AgentId>,
}

impl CannedRow {
    fn into_stored(self) -> StoredCanned {
        let scope = match (self.scope.as_str(), self.group_id) {
            ("group", Some(group)) => CannedScope::Group(group),
            ("agent", _) => CannedScope::Mine,
            _ => CannedScope::Everyone,
        };
        StoredCanned {
            message: CannedMessage {
                id: self.id,
                category: self.category,
                title: self.title,
                text: self.body,
                scope,
                group_name: self.group_name,
                editable: false,
            },
            owner: self.agent_id,
        }
    }
}

/// The stored columns of a scope: its name, group and owner.
fn scope_columns(scope: CannedScope, author: AgentId) -> (&'static str, Option<GroupId>, Option<AgentId>) {
    match scope {
        CannedScope::Everyone => ("everyone", None, None),
        CannedScope::Group(group) => ("group", Some(group), None),
        CannedScope::Mine => ("agent", None, Some(author)),
    }
}

impl Store {
    /// The canned messages an agent may use: the desk-wide ones, their groups', their own;
    /// by category, then title.
    pub async fn canned_for(&self, agent: AgentId, groups: &[GroupId]) -> StoreResult<Vec<StoredCanned>> {
        let in_groups = if groups.is_empty() { String::new() } else { format!(" OR c.group_id IN ({})", id_list(groups)) };
        let rows: Vec<CannedRow> = sqlx::query_as(&format!(
            "{CANNED_SELECT} WHERE c.scope = 'everyone' OR c.agent_id = $1{in_groups} ORDER BY c.category, c.title, c.id"
        ))
        .bind(agent)
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.into_iter().map(CannedRow::into_stored).collect())
    }

    pub async fn canned(&self, id: CannedId) -> StoreResult<StoredCanned> {
        let row: CannedRow = sqlx::query_as(&format!("{CANNED_SELECT} WHERE c.id = $1"))
            .bind(id)
            .fetch_optional(&self.pool)
            .await?
            .ok_or(StoreError::NotFound)?;
        Ok(row.into_stored())
    }

    /// Creates (`id` None) or replaces a canned message; returns its id.
    pub async fn save_canned(
        &self,
        id: Option<CannedId>,
        canned: ValidCanned,
        author: AgentId,
        now_ms: i64,
    ) -> StoreResult<CannedId> {
        self.write(move |conn, _out| {
            Box::pin(async move {
                let (scope, group, owner) = scope_columns(canned.scope, author);
                match id {
                    None => Ok(sqlx::query_scalar(
                        "INSERT INTO canned_messages (category, title, body, scope, group_id, agent_id, created_at, updated_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $7) RETURNING id",
                    )
                    .bind(&canned.category)
                    .bind(&canned.title)
                    .bind(&canned.text)
                    .bind(scope)
                    .bind(group)
                    .bind(owner)
                    .bind(now_ms)
                    .fetch_one(&mut *conn)
                    .await?),
                    Some(id) => {
                        let updated = sqlx::query(
                            "UPDATE canned_messages SET category = $1, title = $2, body = $3, scope = $4, group_id = $5, \
                             agent_id = $6, updated_at = $7 WHERE id = $8",
                        )
                        .bind(&canned.category)
                        .bind(&canned.title)
                        .bind(&canned.text)
                        .bind(scope)
                        .bind(group)
                        .bind(owner)
                        .bind(now_ms)
                        .bind(id)
                        .execute(&mut *conn)
                        .await?;
                        if updated.rows_affected() == 1 {
                            Ok(id)
                        } else {
                            Err(StoreError::NotFound)
                        }
                    }
                }
            })
        })
        .await
    }

    pub async fn delete_canned(&self, id: CannedId) -> StoreResult<()> {
        self.write(move |conn, _out| {
            Box::pin(async move {
                sqlx::query("DELETE FROM canned_messages WHERE id = $1").bind(id).execute(&mut *conn).await?;
                Ok(())
            })
        })
        .await
    }
}
