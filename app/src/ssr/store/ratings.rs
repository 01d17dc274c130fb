//! Satisfaction ratings (issue 18): the end user's answer, taken once per chat
//! (domain/satisfaction.rs decides; the table's primary key holds it across nodes).

use sqlx::{AnyConnection, Row};

use super::chats::chat_in;
use super::directory::settings_in;
use super::{Store, StoreResult};
use crate::domain::satisfaction::{self, Answer, SurveyRefusal};
use crate::model::*;

impl Store {
    /// The chat's rating, if it has one.
    pub async fn rating(&self, chat: ChatId) -> StoreResult<Option<ChatRating>> {
        let mut conn = self.pool.acquire().await?;
        rating_in(&mut conn, chat).await
    }

    /// The ratings of those of `chats` that have one.
    pub async fn ratings(&self, chats: &[ChatId]) -> StoreResult<std::collections::HashMap<ChatId, ChatRating>> {
        if chats.is_empty() {
            return Ok(Default::default());
        }
        let rows = sqlx::query(&format!(
            "SELECT chat_id, score, comment, rated_at FROM chat_ratings WHERE chat_id IN ({})",
            super::id_list(chats)
        ))
        .fetch_all(&self.pool)
        .await?;
        Ok(rows.iter().map(|r| (r.get("chat_id"), rating_of(r))).collect())
    }

    /// Takes the end user's answer for `chat`, decided in its job on the chat, its group's
    /// setting and any rating stored (a retried send gets the stored one back).
    pub async fn rate(
        &self,
        chat: ChatId,
        score: u8,
        comment: String,
        now_ms: i64,
    ) -> StoreResult<Result<ChatRating, SurveyRefusal>> {
        self.write(move |conn, _out| {
            Box::pin(async move {
                let read = chat_in(conn, chat).await?;
                let survey_on = settings_in(conn, read.group.id).await?.satisfaction_survey;
                // Twice at most: on PostgreSQL another node may store an answer between the
                // read and the insert, which then inserts nothing and the answer is weighed
                // against that one.
                for _ in 0..2 {
                    let given = rating_in(conn, chat).await?;
                    match satisfaction::take_answer(&read, survey_on, given.as_ref(), score, &comment) {
                        Err(refusal) => return Ok(Err(refusal)),
                        Ok(Answer::AlreadyStored) => return Ok(given.ok_or(SurveyRefusal::AlreadyRated)),
                        Ok(Answer::New { score, comment }) => {
                            let inserted = sqlx::query(
                                "INSERT INTO chat_ratings (chat_id, score, comment, rated_at) VALUES ($1, $2, $3, $4) \
                                 ON CONFLICT DO NOTHING",
                            )
                            .bind(chat)
                            .bind(i64::from(score))
                            .bind(&comment)
                            .bind(now_ms)
                            .execute(&mut *conn)
                            .await?;
                            if inserted.rows_affected() == 1 {
                                // The reports count it from now on (store/reports.rs).
                                super::reports::rated(conn, chat, score).await?;
                                return Ok(Ok(ChatRating { score, comment, at_ms: now_ms }));
                            }
                        }
                    }
                }
                Ok(Err(SurveyRefusal::AlreadyRated))
            })
        })
        .await
    }
}

async fn rating_in(conn: &mut AnyConnection, chat: ChatId) -> StoreResult<Option<ChatRating>> {
    let row = sqlx::query("SELECT score, comment, rated_at FROM chat_ratings WHERE chat_id = $1")
        .bind(chat)
        .fetch_optional(&mut *conn)
        .await?;
    Ok(row.as_ref().map(rating_of))
}

fn rating_of(r: &sqlx::any::AnyRow) -> ChatRating {
    ChatRating { score: r.get::<i64, _>("score") as u8, comment: r.get("comment"), at_ms: r.get("rated_at") }
}
