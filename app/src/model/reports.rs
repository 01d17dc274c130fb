//! Reports (issue 18): what a supervisor asks for and what comes back. Every figure is defined
//! once, in domain/reports.rs.

use serde::{Deserialize, Serialize};

use super::{AgentCard, AgentId, AssignmentGroup, GroupId};

/// A report's scope: days `from`..=`to` (UTC, `YYYY-MM-DD`), the groups (none: every group the
/// caller supervises) and the agents (none: all).
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportQuery {
    pub from: String,
    pub to: String,
    #[serde(default)]
    pub groups: Vec<GroupId>,
    #[serde(default)]
    pub agents: Vec<AgentId>,
}

/// The figures of one row of a report (a day, an hour of the week, an agent, the whole range).
/// Times are milliseconds; `None` where there was nothing to measure.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Figures {
    pub requested: u32,
    pub accepted: u32,
    pub missed: u32,
    pub transferred: u32,
    /// `None` in an agent's row: a message left is nobody's chat.
    pub offline_requests: Option<u32>,
    pub wait_p50_ms: Option<i64>,
    pub wait_p90_ms: Option<i64>,
    pub first_response_p50_ms: Option<i64>,
    pub first_response_p90_ms: Option<i64>,
    pub duration_p50_ms: Option<i64>,
    pub duration_p90_ms: Option<i64>,
    /// The mean rating in hundredths (4.25 → 425), of `ratings` answers.
    pub satisfaction_hundredths: Option<u32>,
    pub ratings: u32,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct DayRow {
    /// `YYYY-MM-DD`, UTC.
    pub day: String,
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct HourRow {
    /// 0 = Monday 00:00–01:00 UTC … 167 = Sunday 23:00–24:00.
    pub hour_of_week: u32,
    pub figures: Figures,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentRow {
    pub agent: AgentCard,
    /// `accepted` is the chats they handled (accepted or were assigned).
    pub figures: Figures,
}

/// A chart drawn on the server: SVG text (with its title and description for assistive
/// technology); the same numbers are in the report's tables.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Chart {
    pub title: String,
    pub svg: String,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportView {
    /// The query as answered: days checked, groups narrowed to those the caller supervises.
    pub query: ReportQuery,
    pub groups: Vec<AssignmentGroup>,
    /// What the form offers: every group the caller supervises, the agents of those groups.
    pub group_choices: Vec<AssignmentGroup>,
    pub agent_choices: Vec<AgentCard>,
    pub totals: Figures,
    pub days: Vec<DayRow>,
    pub hours: Vec<HourRow>,
    pub agents: Vec<AgentRow>,
    pub charts: Vec<Chart>,
}

/// The tables a report exports as CSV.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ReportTable {
    Days,
    Hours,
    Agents,
}

impl ReportQuery {
    /// The query string of the report's CSV files (`/reports/{table}.csv?…`).
    pub fn csv_href(&self, table: ReportTable) -> String {
        let list = |ids: &[i64]| ids.iter().map(i64::to_string).collect::<Vec<_>>().join(",");
        format!(
            "/reports/{}.csv?from={}&to={}&groups={}&agents={}",
            table.as_str(),
            self.from,
            self.to,
            list(&self.groups),
            list(&self.agents)
        )
    }
}

impl ReportTable {
    pub const ALL: [ReportTable; 3] = [ReportTable::Days, ReportTable::Hours, ReportTable::Agents];

    pub fn as_str(self) -> &'static str {
        match self {
            ReportTable::Days => "days",
            ReportTable::Hours => "hours",
            ReportTable::Agents => "agents",
        }
    }

    pub fn parse(s: &str) -> Option<ReportTable> {
        ReportTable::ALL.into_iter().find(|t| t.as_str() == s)
    }
}
