//! The end user's wait (issue 17): whether a group takes a live chat now (business hours,
//! someone online, the estimated wait), the estimate itself, and "Leave a message" when it does
//! not. The rules are the domain's (`domain::routing::live_chat`, `domain::hours`); this
//! gathers what they need.

use super::*;
use crate::domain::hours;
use crate::domain::routing::{self, GroupNow, NoLiveChat, WaitPace};
use crate::ssr::store::NewTicket;

impl Desk {
    pub(super) async fn settings_of(&self, group: GroupId) -> Result<GroupSettings, DeskError> {
        Ok(self.store.settings_of_group(group).await?)
    }

    /// How fast `group` took requests lately (`None`: too few pickups to tell).
    pub(super) async fn pace(&self, group: GroupId) -> Result<Option<WaitPace>, DeskError> {
        let now = self.now_ms();
        let pickups = self.store.pickups(group, now - routing::ESTIMATE_WINDOW_MS).await?;
        Ok(routing::wait_pace(&pickups, now))
    }

    /// Whether a new request to `group` would be a live chat now. Reads only what the group's
    /// settings make matter (a group with none set costs no more than their read).
    pub(super) async fn no_live_chat(
        &self,
        group: GroupId,
        settings: &GroupSettings,
        team: Option<&[TeamMember]>,
    ) -> Result<Option<NoLiveChat>, DeskError> {
        let now = self.now_ms();
        let open = hours::group_open(settings, now);
        let agents_online = match (routing::counts_agents_online(settings), team) {
            (false, _) => None,
            (true, Some(team)) => Some(online_in(team, group)),
            (true, None) => Some(online_in(&self.team().await?, group)),
        };
        let estimate_minutes = match routing::needs_estimate(settings) {
            false => None,
            true => match self.pace(group).await? {
                Some(pace) => pace.minutes_for(self.store.queued_in(group).await? + 1),
                None => None,
            },
        };
        Ok(routing::live_chat(settings, GroupNow { open, agents_online, estimate_minutes }).err())
    }

    /// The widget's groups, each saying whether one of its agents is online right now and
    /// whether a request would be a live chat.
    pub async fn group_options(&self) -> Result<Vec<GroupOption>, DeskError> {
        let team = self.team().await?;
        let settings = self.store.group_settings().await?;
        let mut options = Vec::new();
        for group in self.groups().await? {
            let these = settings.iter().find(|(id, _)| *id == group.id).map(|(_, s)| s.clone()).unwrap_or_default();
            let no_live_chat = self.no_live_chat(group.id, &these, Some(&team)).await?;
            options.push(GroupOption { agents_online: online_in(&team, group.id) > 0, no_live_chat, group });
        }
        Ok(options)
    }

    /// Why a request to `group` would not be a live chat now, if it would not.
    pub(super) async fn live_chat_refused(&self, group: GroupId) -> Result<Option<NoLiveChat>, DeskError> {
        let settings = self.settings_of(group).await?;
        self.no_live_chat(group, &settings, None).await
    }

    /// "Leave a message": the widget's form becomes an 'Offline request' incident in the chosen
    /// group, once per `request_key` (a retried submit gets the same number back).
    pub async fn leave_message(&self, form: &StartChat, request_key: &str) -> Result<MessageLeft, DeskError> {
        let groups = self.groups().await?;
        let ids: Vec<GroupId> = groups.iter().map(|g| g.id).collect();
        let valid = validate::start_chat(form, &ids).map_err(DeskError::Form)?;
        validate::request_key(request_key).map_err(DeskError::Invalid)?;
        let group = groups.into_iter().find(|g| g.id == valid.group_id).ok_or_else(|| DeskError::Invalid(crate::domain::admin::NO_SUCH_GROUP.into()))?;
        let new = NewTicket {
            kind: TicketKind::Incident,
            fields: records::offline_request_incident(&valid, &group),
            group,
            assignee: None,
            chat_id: None,
        };
        let (ticket, _) = self.store.leave_message(request_key, new, self.now_ms()).await?;
        Ok(MessageLeft { number: ticket.number })
    }

    /// The offline requests an agent's console lists, and the groups they are listed for: the
    /// agent's groups whose admin wants them there (`routing::lists_offline_requests`;
    /// `settings`: every group's).
    pub(super) async fn offline_requests_for(
        &self,
        agent: &AgentProfile,
        settings: &[(GroupId, GroupSettings)],
    ) -> Result<(Vec<Ticket>, Vec<GroupId>), DeskError> {
        let groups = super::routing::groups_where(agent, settings, routing::lists_offline_requests);
        Ok((self.store.offline_requests(&groups, OFFLINE_REQUESTS_LISTED).await?, groups))
    }
}

/// The most offline requests a console lists (the oldest; Records has them all).
const OFFLINE_REQUESTS_LISTED: usize = 100;

fn online_in(team: &[TeamMember], group: GroupId) -> usize {
    team.iter().filter(|m| m.presence == Presence::Online && m.groups.iter().any(|g| g.id == group)).count()
}
