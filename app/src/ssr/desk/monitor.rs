//! The supervisor's live monitor (issue 18): each supervised group's board, sent whole to the
//! monitors watching it whenever something on it may have changed; a chat watched read-only;
//! whispers to a chat's agents. Who may do each is `access::Staff` (`watched_groups`,
//! `may_watch_chat`); what a board shows is domain/monitor.rs.

use std::time::Duration;

use super::*;
use crate::domain::monitor;

/// How often, at most, the boards are drawn again while events come in: a busy desk costs one
/// round of reads per tick on each node that has a monitor open, however many events there were.
pub const BOARD_TICK: Duration = Duration::from_millis(300);

impl Desk {
    /// The groups whose board `agent` may watch; refused to an agent who supervises none.
    pub async fn watched_groups(&self, agent: &AgentProfile) -> Result<Vec<GroupId>, DeskError> {
        let all: Vec<GroupId> = self.store.groups().await?.iter().map(|g| g.id).collect();
        let watched = Staff::from(agent).watched_groups(&all);
        if watched.is_empty() {
            return Err(DeskError::NotAllowed("Only supervisors of a group (and admins) have a live monitor.".into()));
        }
        Ok(watched)
    }

    /// The boards of the groups `agent` supervises, as they are now.
    pub async fn monitor(&self, agent: &AgentProfile) -> Result<Vec<GroupBoard>, DeskError> {
        let groups = self.watched_groups(agent).await?;
        self.boards(&groups).await
    }

    /// The boards of `groups`, drawn from the store: a handful of reads for all of them.
    pub async fn boards(&self, groups: &[GroupId]) -> Result<Vec<GroupBoard>, DeskError> {
        let all = self.store.groups().await?;
        let settings = self.store.group_settings().await?;
        let team = self.team().await?;
        let loads = self.store.routing_loads().await?;
        let waiting = self.store.queued(groups).await?;
        let in_progress = self.store.in_progress(groups).await?;
        let now = self.now_ms();
        let load_of = |card: &AgentCard| loads.iter().find(|l| l.agent == card.id).map_or_else(Default::default, |l| l.load);
        Ok(groups
            .iter()
            .filter_map(|id| all.iter().find(|g| g.id == *id))
            .map(|group| {
                let settings = settings.iter().find(|(id, _)| *id == group.id).map(|(_, s)| s.clone()).unwrap_or_default();
                monitor::board(group, &settings, now, &waiting, &team, load_of, &in_progress)
            })
            .collect())
    }

    /// Draws the boards of every group watched on this node again and hands each to its
    /// monitors, if anything changed since the last call (events published, presence);
    /// returns how many boards went out.
    pub async fn send_boards(&self) -> Result<usize, DeskError> {
        if !self.hub.take_board_changes() {
            return Ok(0);
        }
        let groups = self.hub.watched_groups();
        if groups.is_empty() {
            return Ok(0);
        }
        let boards = match self.boards(&groups).await {
            Ok(boards) => boards,
            Err(err) => {
                // Drawn again at the next tick.
                self.hub.board_changed();
                return Err(err);
            }
        };
        for board in &boards {
            let route = Route::Watch(board.group.id);
            self.hub.signal(&[route], &ServerFrame::Board { board: board.clone() });
        }
        Ok(boards.len())
    }

    /// Has the boards drawn again at the next tick.
    pub fn redraw_boards(&self) {
        self.hub.board_changed();
    }

    /// Runs `send_boards` every `BOARD_TICK`, for good.
    pub fn spawn_monitor(self: &Arc<Self>) {
        let desk = Arc::downgrade(self);
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(BOARD_TICK);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                let Some(desk) = desk.upgrade() else { return };
                if let Err(err) = desk.send_boards().await {
                    tracing::warn!(%err, "monitor: cannot draw the boards; will try again");
                }
            }
        });
    }

    /// A chat of a supervised group, read-only from the monitor: the whole transcript,
    /// whispers included. Anything else is "no such chat".
    pub async fn watch_chat(&self, agent: &AgentProfile, chat_id: ChatId) -> Result<ChatTranscript, DeskError> {
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        if !Staff::from(agent).may_watch_chat(&chat) {
            return Err(DeskError::NoSuchChat);
        }
        Ok(self.store.transcript(chat_id).await?)
    }

    /// A supervisor whispers to the agents of a chat of their group: only they (and the
    /// monitors of the group) read it, never the end user. Sent twice with the same
    /// `client_id`, it is stored once.
    pub async fn whisper(
        &self,
        agent: &AgentProfile,
        chat_id: ChatId,
        client_id: &str,
        body: &str,
    ) -> Result<ChatMessage, DeskError> {
        let me = Staff::from(agent);
        let chat = self.store.chat(chat_id).await.map_err(not_found)?;
        let may_whisper = |chat: &ChatRequest| if me.may_watch_chat(chat) { Ok(()) } else { Err(DeskError::NoSuchChat) };
        may_whisper(&chat)?;
        self.post(chat, may_whisper, Party::Agent, Author::Agent(agent.card.clone()), true, client_id, body).await
    }
}
