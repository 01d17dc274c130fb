//! The test clock (hidden `--test-clock`, for the integration tests only, never a deployment):
//! the desk's clock stands still at the time the process started, and
//! `POST /test/clock {"advance_ms": N}` from this machine moves it forward, then does what the
//! new time makes due before it answers: the presence heartbeat (consoles closed that long go
//! offline), the scheduler's deadlines (missed chats) and the outbox's mail. A test moves the
//! clock, then waits for what follows (events), never for real time to pass. The real-time loops
//! that would do the same (scheduler, heartbeat, outbox) do not run with it, so only the test
//! moves time.
//!
//! Several nodes have a clock each. The harness moves them all with `"run_due": false` first
//! (each node's open consoles are seen at the new time), then each with `{"advance_ms": 0}`:
//! no node takes another's open consoles for gone because that node had not seen the new time.

use std::net::SocketAddr;
use std::sync::Arc;

use app::ssr::desk::{Desk, DeskError, ManualClock};
use app::ssr::limits::Limits;
use app::ssr::scheduler::Scheduler;
use axum::extract::{ConnectInfo, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use axum::{Json, Router};

pub struct TestClock {
    pub clock: Arc<ManualClock>,
    pub desk: Arc<Desk>,
    pub scheduler: Arc<Scheduler>,
    pub limits: Arc<Limits>,
}

#[derive(serde::Deserialize)]
struct Advance {
    advance_ms: i64,
    #[serde(default = "yes")]
    run_due: bool,
}

fn yes() -> bool {
    true
}

#[derive(serde::Serialize)]
struct Advanced {
    now_ms: i64,
    /// Deadlines this call fired.
    fired: usize,
    /// Outbox entries this call tried (sent, or settled for a retry or for good).
    mailed: usize,
}

/// `POST /test/clock`, mounted only with `--test-clock`.
pub fn routes<S: Clone + Send + Sync + 'static>(test_clock: Arc<TestClock>) -> Router<S> {
    Router::new().route("/test/clock", post(advance)).with_state(test_clock)
}

async fn advance(
    State(test): State<Arc<TestClock>>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    headers: HeaderMap,
    Json(advance): Json<Advance>,
) -> Response {
    if !test.limits.client_address(&headers, Some(peer)).is_loopback() {
        return (StatusCode::FORBIDDEN, "The test clock is moved from this machine only.").into_response();
    }
    if advance.advance_ms < 0 {
        return (StatusCode::BAD_REQUEST, "The clock only goes forward.").into_response();
    }
    let now_ms = test.clock.advance(advance.advance_ms);
    let due = async {
        test.desk.presence_refresh().await?;
        if !advance.run_due {
            return Ok((0, 0));
        }
        test.desk.presence_tick().await?;
        let fired = test.scheduler.fire_due(now_ms).await?;
        Ok::<_, DeskError>((fired, test.desk.outbox().deliver_due(now_ms).await?))
    };
    match due.await {
        Ok((fired, mailed)) => Json(Advanced { now_ms, fired, mailed }).into_response(),
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}
