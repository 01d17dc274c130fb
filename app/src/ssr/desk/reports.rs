//! Reports (issue 18): a supervisor's figures for a range of days, their groups and agents,
//! with charts drawn here and CSV for each table. Who may read what is `access::Staff`
//! (`watched_groups`); what each figure means is domain/reports.rs.

use super::*;
use crate::domain::reports::{self, DAY_MS};
use crate::ssr::charts::{self, Series};

impl Desk {
    /// The report `query` asks for, of the groups `agent` supervises (every one, unless the
    /// query names some: then those, which must all be theirs).
    pub async fn report(&self, agent: &AgentProfile, query: &ReportQuery) -> Result<ReportView, DeskError> {
        let all = self.store.groups().await?;
        let ids: Vec<GroupId> = all.iter().map(|g| g.id).collect();
        let watched = Staff::from(agent).watched_groups(&ids);
        if watched.is_empty() {
            return Err(DeskError::NotAllowed("Only supervisors of a group (and admins) read reports.".into()));
        }
        let (from_day, until_day) = reports::check_range(query, self.now_ms()).map_err(DeskError::Invalid)?;
        let team = self.team().await?;
        let group_choices: Vec<AssignmentGroup> = all.iter().filter(|g| watched.contains(&g.id)).cloned().collect();
        let agent_choices: Vec<AgentCard> =
            team.iter().filter(|m| m.groups.iter().any(|g| watched.contains(&g.id))).map(|m| m.card.clone()).collect();
        let groups = match query.groups.is_empty() {
            true => watched,
            false if query.groups.iter().all(|g| watched.contains(g)) => {
                let mut asked = query.groups.clone();
                asked.sort_unstable();
                asked.dedup();
                asked
            }
            false => return Err(DeskError::NotAllowed("You may read the reports of the groups you supervise only.".into())),
        };
        let (from_ms, until_ms) = (from_day * DAY_MS, until_day * DAY_MS);
        let facts = self.store.chat_facts(from_ms, until_ms, &groups, &query.agents).await?;
        let offline = self.store.offline_request_times(from_ms, until_ms, &groups).await?;
        let cards: Vec<AgentCard> = team.into_iter().map(|m| m.card).collect();
        let (totals, days, hours, agents) = reports::rows(&facts, &offline, from_day, until_day, &cards);
        let charts = draw(&days, &hours);
        let query = ReportQuery {
            from: reports::day_text(from_day),
            to: reports::day_text(until_day - 1),
            groups: groups.clone(),
            agents: query.agents.clone(),
        };
        let groups = all.into_iter().filter(|g| groups.contains(&g.id)).collect();
        Ok(ReportView { query, groups, group_choices, agent_choices, totals, days, hours, agents, charts })
    }
}

/// The report's charts: chats per day, the wait per day, chats per hour of the week.
fn draw(days: &[DayRow], hours: &[HourRow]) -> Vec<Chart> {
    let day_labels: Vec<String> = days.iter().map(|d| d.day.get(5..).unwrap_or(&d.day).to_string()).collect();
    let every = days.len().div_ceil(12).max(1);
    let per_day = |f: fn(&Figures) -> u32| days.iter().map(|d| f64::from(f(&d.figures))).collect::<Vec<_>>();
    let minutes = |ms: Option<i64>| ms.map_or(0.0, |ms| ms as f64 / 60_000.0);
    let mut charts = vec![
        Chart {
            title: "Chats per day".into(),
            svg: charts::bars(
                "chart-chats",
                "Chats per day",
                "Chats requested, accepted and missed on each day of the report (the table Per day has the numbers).",
                &day_labels,
                every,
                &[
                    Series { name: "requested", values: per_day(|f| f.requested) },
                    Series { name: "accepted", values: per_day(|f| f.accepted) },
                    Series { name: "missed", values: per_day(|f| f.missed) },
                ],
            ),
        },
        Chart {
            title: "Wait until accepted per day (minutes)".into(),
            svg: charts::bars(
                "chart-wait",
                "Wait until accepted per day (minutes)",
                "The 50th and 90th percentile of the wait until accepted on each day (the table Per day has the numbers).",
                &day_labels,
                every,
                &[
                    Series { name: "p50", values: days.iter().map(|d| minutes(d.figures.wait_p50_ms)).collect() },
                    Series { name: "p90", values: days.iter().map(|d| minutes(d.figures.wait_p90_ms)).collect() },
                ],
            ),
        },
    ];
    let hour_labels: Vec<String> = hours.iter().map(|h| reports::hour_label(h.hour_of_week)).collect();
    charts.push(Chart {
        title: "Chats requested per hour of the week (UTC)".into(),
        svg: charts::bars(
            "chart-hours",
            "Chats requested per hour of the week (UTC)",
            "Chats requested in each hour of the week, Monday 00:00 to Sunday 24:00 UTC (the table Per hour of the week has the numbers).",
            &hour_labels,
            24,
            &[Series { name: "requested", values: hours.iter().map(|h| f64::from(h.figures.requested)).collect() }],
        ),
    });
    charts
}
