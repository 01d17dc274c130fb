//! `GET /reports/{table}.csv?from=YYYY-MM-DD&to=YYYY-MM-DD&groups=1,2&agents=3`: one table of a
//! report as CSV (issue 18), for a supervisor of the groups, with their session. The same report
//! as the page's (`Desk::report`), written by `domain::reports::csv`.

use std::collections::HashMap;

use axum::extract::{Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue};
use axum::response::{IntoResponse, Response};

use super::auth;
use super::state::AppState;
use crate::api::ctx::status;
use crate::domain::reports;
use crate::model::{ApiError, ReportQuery, ReportTable};

pub async fn serve(
    State(state): State<AppState>,
    Path(file): Path<String>,
    Query(params): Query<HashMap<String, String>>,
    headers: HeaderMap,
) -> Response {
    let answer = async {
        let table = file.strip_suffix(".csv").and_then(ReportTable::parse).ok_or(ApiError::NoSuchRecord)?;
        let query = ReportQuery {
            from: params.get("from").cloned().unwrap_or_default(),
            to: params.get("to").cloned().unwrap_or_default(),
            groups: ids(params.get("groups"))?,
            agents: ids(params.get("agents"))?,
        };
        let agent = state.desk.agent_for_session(auth::session_token(&headers).as_deref()).await.map_err(ApiError::from)?;
        let report = state.desk.report(&agent, &query).await.map_err(ApiError::from)?;
        Ok::<_, ApiError>((table, report))
    };
    match answer.await {
        Ok((table, report)) => {
            let name = format!("deskchat-{}-{}-{}.csv", table.as_str(), report.query.from, report.query.to);
            let disposition = HeaderValue::from_str(&format!("attachment; filename=\"{name}\""))
                .unwrap_or(HeaderValue::from_static("attachment"));
            (
                [
                    (header::CONTENT_TYPE, HeaderValue::from_static("text/csv; charset=utf-8")),
                    (header::CONTENT_DISPOSITION, disposition),
                    (header::CACHE_CONTROL, HeaderValue::from_static("private, no-store")),
                ],
                reports::csv(&report, table),
            )
                .into_response()
        }
        Err(error) => (status(&error), axum::Json(error)).into_response(),
    }
}

/// `1,2,3` (or nothing) as ids; anything else is a bad request.
fn ids(list: Option<&String>) -> Result<Vec<i64>, ApiError> {
    let Some(list) = list.filter(|l| !l.trim().is_empty()) else { return Ok(Vec::new()) };
    list.split(',')
        .map(|id| id.trim().parse::<i64>().map_err(|_| ApiError::Request(format!("Not a list of numbers: {list}"))))
        .collect()
}
