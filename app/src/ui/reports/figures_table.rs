use leptos::prelude::*;

use crate::domain::reports::{minutes, rating_text};
use crate::model::*;

/// One of a report's tables: a row per day, hour or agent (`rows`: its name and figures), the
/// figures in columns, and a link to the same table as CSV.
#[component]
pub fn FiguresTable(
    caption: &'static str,
    first_column: &'static str,
    rows: Vec<(String, Figures)>,
    csv_href: String,
    /// Agents' rows: "handled" for "accepted", no offline requests.
    #[prop(optional)]
    per_agent: bool,
) -> impl IntoView {
    let accepted = if per_agent { "Handled" } else { "Accepted" };
    view! {
        <div class="figures">
            <table class="figures-table">
                <caption>{caption}</caption>
                <thead>
                    <tr>
                        <th scope="col">{first_column}</th>
                        <th scope="col">"Requested"</th>
                        <th scope="col">{accepted}</th>
                        <th scope="col">"Missed"</th>
                        <th scope="col">"Transferred"</th>
                        {(!per_agent).then(|| view! { <th scope="col">"Offline requests"</th> })}
                        <th scope="col">"Wait p50"</th>
                        <th scope="col">"Wait p90"</th>
                        <th scope="col">"First response p50"</th>
                        <th scope="col">"First response p90"</th>
                        <th scope="col">"Duration p50"</th>
                        <th scope="col">"Duration p90"</th>
                        <th scope="col">"Satisfaction"</th>
                    </tr>
                </thead>
                <tbody>
                    {rows
                        .into_iter()
                        .map(|(name, f)| {
                            let satisfaction = match f.ratings {
                                0 => String::new(),
                                n => format!("{} ({n})", rating_text(f.satisfaction_hundredths)),
                            };
                            view! {
                                <tr>
                                    <th scope="row">{name}</th>
                                    <td>{f.requested}</td>
                                    <td>{f.accepted}</td>
                                    <td>{f.missed}</td>
                                    <td>{f.transferred}</td>
                                    {(!per_agent).then(|| view! { <td>{f.offline_requests.unwrap_or_default()}</td> })}
                                    <td>{minutes(f.wait_p50_ms)}</td>
                                    <td>{minutes(f.wait_p90_ms)}</td>
                                    <td>{minutes(f.first_response_p50_ms)}</td>
                                    <td>{minutes(f.first_response_p90_ms)}</td>
                                    <td>{minutes(f.duration_p50_ms)}</td>
                                    <td>{minutes(f.duration_p90_ms)}</td>
                                    <td>{satisfaction}</td>
                                </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
            <a class="csv" href=csv_href download="">{format!("Download “{caption}” as CSV")}</a>
        </div>
    }
}
