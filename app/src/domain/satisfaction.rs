//! The satisfaction survey (issue 18), without I/O: whom the widget asks "How was this chat?",
//! and which answers are taken. Asked once, after the chat ends, in groups whose admin turned it
//! on; the answer is 1–5 with an optional comment.

use crate::domain::lifecycle::ChatState;
use crate::domain::validate::{self, Lines};
use crate::model::{ChatRating, ChatRequest};

pub const LOWEST_SCORE: u8 = 1;
pub const HIGHEST_SCORE: u8 = 5;
pub const MAX_COMMENT_CHARS: usize = 1000;

/// Why an answer is not taken.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum SurveyRefusal {
    #[error("This chat's group does not ask for ratings.")]
    NotAsked,
    #[error("The chat can be rated once it has ended.")]
    NotEnded,
    #[error("This chat was already rated.")]
    AlreadyRated,
    #[error("A rating is a whole number from 1 to 5.")]
    Score,
    #[error("The comment is {len} characters long; at most {max} are kept.", max = MAX_COMMENT_CHARS)]
    CommentTooLong { len: usize },
    #[error("The comment holds characters that cannot be shown.")]
    Unprintable,
}

/// Whether the end user of `chat` is asked: their group asks (`survey_on`, its admin's
/// setting) and the chat ended after an agent took it. A missed chat, or one ended while it
/// waited, had no conversation to rate.
pub fn asks(chat: &ChatRequest, survey_on: bool) -> bool {
    survey_on && chat.state == ChatState::Ended && chat.agent.is_some()
}

/// The answer to keep, or why not: `given` is the rating already stored for the chat, if any.
/// The same answer again (a retried send whose reply was lost) is taken as the one stored;
/// another is refused: a chat is rated once.
pub fn take_answer(
    chat: &ChatRequest,
    survey_on: bool,
    given: Option<&ChatRating>,
    score: u8,
    comment: &str,
) -> Result<Answer, SurveyRefusal> {
    if !survey_on {
        return Err(SurveyRefusal::NotAsked);
    }
    if !asks(chat, survey_on) {
        return Err(match chat.state {
            ChatState::Ended | ChatState::Missed => SurveyRefusal::NotAsked,
            _ => SurveyRefusal::NotEnded,
        });
    }
    if !(LOWEST_SCORE..=HIGHEST_SCORE).contains(&score) {
        return Err(SurveyRefusal::Score);
    }
    let comment = comment.trim();
    let len = comment.chars().count();
    if len > MAX_COMMENT_CHARS {
        return Err(SurveyRefusal::CommentTooLong { len });
    }
    if validate::plain_text(comment, Lines::Many).is_err() {
        return Err(SurveyRefusal::Unprintable);
    }
    match given {
        Some(stored) if stored.score == score && stored.comment == comment => Ok(Answer::AlreadyStored),
        Some(_) => Err(SurveyRefusal::AlreadyRated),
        None => Ok(Answer::New { score, comment: comment.to_string() }),
    }
}

/// An answer that passed `take_answer`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Answer {
    /// To store (the comment trimmed).
    New { score: u8, comment: String },
    /// The one stored already: nothing to write.
    AlreadyStored,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fixtures::{agent, request};

    fn ended() -> ChatRequest {
        let mut chat = request(1, 1);
        chat.state = ChatState::Ended;
        chat.agent = Some(agent(1));
        chat
    }

    #[test]
    fn only_an_ended_chat_an_agent_took_is_asked_and_only_where_the_group_asks() {
        assert!(asks(&ended(), true));
        assert!(!asks(&ended(), false), "the group's admin turned it off");
        let mut never_taken = ended();
        never_taken.agent = None;
        assert!(!asks(&never_taken, true), "ended while waiting");
        for state in [ChatState::Queued, ChatState::Active, ChatState::Missed] {
            let mut chat = ended();
            chat.state = state;
            assert!(!asks(&chat, true), "{state:?}");
        }
    }

    #[test]
    fn an_answer_is_a_score_from_one_to_five_with_an_optional_comment() {
        let chat = ended();
        assert_eq!(take_answer(&chat, true, None, 5, "  Quick and kind. "), Ok(Answer::New { score: 5, comment: "Quick and kind.".into() }));
        assert_eq!(take_answer(&chat, true, None, 1, ""), Ok(Answer::New { score: 1, comment: String::new() }));
        assert_eq!(take_answer(&chat, true, None, 0, ""), Err(SurveyRefusal::Score));
        assert_eq!(take_answer(&chat, true, None, 6, ""), Err(SurveyRefusal::Score));
        let long = "x".repeat(MAX_COMMENT_CHARS + 1);
        assert_eq!(take_answer(&chat, true, None, 3, &long), Err(SurveyRefusal::CommentTooLong { len: MAX_COMMENT_CHARS + 1 }));
        assert!(take_answer(&chat, true, None, 3, &"x".repeat(MAX_COMMENT_CHARS)).is_ok());
        assert_eq!(take_answer(&chat, true, None, 3, "bad\u{0}"), Err(SurveyRefusal::Unprintable));
        assert!(take_answer(&chat, true, None, 3, "line one\nline two").is_ok(), "a comment may have lines");
    }

    #[test]
    fn a_chat_is_rated_once_and_a_retried_answer_is_the_stored_one() {
        let chat = ended();
        let stored = ChatRating { score: 4, comment: "Fine".into(), at_ms: 7 };
        assert_eq!(take_answer(&chat, true, Some(&stored), 4, " Fine "), Ok(Answer::AlreadyStored));
        assert_eq!(take_answer(&chat, true, Some(&stored), 5, "Fine"), Err(SurveyRefusal::AlreadyRated));
        assert_eq!(take_answer(&chat, true, Some(&stored), 4, "Better"), Err(SurveyRefusal::AlreadyRated));
    }

    #[test]
    fn a_chat_not_asked_is_not_rated() {
        assert_eq!(take_answer(&ended(), false, None, 5, ""), Err(SurveyRefusal::NotAsked));
        let mut missed = ended();
        missed.state = ChatState::Missed;
        assert_eq!(take_answer(&missed, true, None, 5, ""), Err(SurveyRefusal::NotAsked));
        let mut open = ended();
        open.state = ChatState::Active;
        assert_eq!(take_answer(&open, true, None, 5, ""), Err(SurveyRefusal::NotEnded));
        open.state = ChatState::Queued;
        assert_eq!(take_answer(&open, true, None, 5, ""), Err(SurveyRefusal::NotEnded));
    }
}
