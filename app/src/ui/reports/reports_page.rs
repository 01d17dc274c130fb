use leptos::prelude::*;

use super::figures_table::FiguresTable;
use super::report_form::ReportForm;
use crate::api::monitor::load_report;
use crate::domain::reports::{hour_label, minutes, rating_text};
use crate::model::*;
use crate::ui::common::loaded::Loaded;
use crate::ui::shell::agent_header::AgentHeader;

/// `/reports`: a supervisor's figures for a range of days (the last 30 at first), their groups
/// and agents: the totals, charts drawn on the server (each with its numbers in a table below),
/// and every table as CSV.
#[component]
pub fn ReportsPage() -> impl IntoView {
    let query = RwSignal::new(ReportQuery::default());
    let loaded = Resource::new(move || query.get(), load_report);
    view! {
        <main class="reports-page">
            <AgentHeader current="/reports" />
            <h1>"Reports"</h1>
            <p class="hint">
                "Chats count on the day (UTC) they were requested, in the group they were requested in. "
                "Waits and durations are percentiles: half of the chats took no longer than p50, nine in ten no longer than p90."
            </p>
            <Loaded resource=loaded loading="Counting…" let:report>
                <ReportBody report on_show=Callback::new(move |q| query.set(q)) />
            </Loaded>
        </main>
    }
}

#[component]
fn ReportBody(report: ReportView, on_show: Callback<ReportQuery>) -> impl IntoView {
    let t = &report.totals;
    let names = report.groups.iter().map(|g| g.name.clone()).collect::<Vec<_>>().join(", ");
    let summary = format!("{} to {} · {}", report.query.from, report.query.to, names);
    let days: Vec<(String, Figures)> = report.days.iter().map(|d| (d.day.clone(), d.figures.clone())).collect();
    // The hours nothing happened in are left out of the table (the chart shows them empty).
    let hours: Vec<(String, Figures)> = report
        .hours
        .iter()
        .filter(|h| h.figures.requested > 0 || h.figures.offline_requests.unwrap_or_default() > 0)
        .map(|h| (hour_label(h.hour_of_week), h.figures.clone()))
        .collect();
    let agents: Vec<(String, Figures)> = report.agents.iter().map(|a| (a.agent.name.clone(), a.figures.clone())).collect();
    let q = &report.query;
    view! {
        <ReportForm shown=report.query.clone() groups=report.group_choices.clone() agents=report.agent_choices.clone() on_show />
        <section class="report" aria-labelledby="report-heading">
            <h2 id="report-heading">{summary}</h2>
            <dl class="totals">
                <div><dt>"Requested"</dt><dd>{t.requested}</dd></div>
                <div><dt>"Accepted"</dt><dd>{t.accepted}</dd></div>
                <div><dt>"Missed"</dt><dd>{t.missed}</dd></div>
                <div><dt>"Transferred"</dt><dd>{t.transferred}</dd></div>
                <div><dt>"Offline requests"</dt><dd>{t.offline_requests.unwrap_or_default()}</dd></div>
                <div><dt>"Wait p50 / p90"</dt><dd>{format!("{} / {}", minutes(t.wait_p50_ms), minutes(t.wait_p90_ms))}</dd></div>
                <div><dt>"First response p50 / p90"</dt><dd>{format!("{} / {}", minutes(t.first_response_p50_ms), minutes(t.first_response_p90_ms))}</dd></div>
                <div><dt>"Duration p50 / p90"</dt><dd>{format!("{} / {}", minutes(t.duration_p50_ms), minutes(t.duration_p90_ms))}</dd></div>
                <div><dt>"Satisfaction"</dt><dd>{format!("{} ({} ratings)", rating_text(t.satisfaction_hundredths), t.ratings)}</dd></div>
            </dl>
            <div class="charts">
                {report
                    .charts
                    .iter()
                    .map(|chart| view! { <figure class="chart" inner_html=chart.svg.clone()></figure> })
                    .collect_view()}
            </div>
            <FiguresTable caption="Per day" first_column="Day" rows=days csv_href=q.csv_href(ReportTable::Days) />
            <FiguresTable caption="Per hour of the week (UTC)" first_column="Hour" rows=hours csv_href=q.csv_href(ReportTable::Hours) />
            <FiguresTable caption="Per agent" first_column="Agent" rows=agents csv_href=q.csv_href(ReportTable::Agents) per_agent=true />
        </section>
    }
}
