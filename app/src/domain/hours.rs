//! Business hours (issue 17): when a group takes live chats, in its own time zone, with
//! daylight saving and holidays. Outside them the widget offers to leave a message instead.
//! Pure: the time comes from the desk's clock seam; the time-zone rules are the IANA database
//! bundled with `jiff`, so every node and every test machine decides alike. Server-side only
//! (the widget is told whether the group is open, it does not decide).

use jiff::civil::Date;
use jiff::tz::TimeZone;
use jiff::Timestamp;

use crate::domain::admin;
pub use crate::model::{BusinessHours, GroupSettings, Opening};

const DAY_MINUTES: u16 = 24 * 60;

/// Every mistake in `hours`, worded for the admin; nothing is saved unless there are none.
pub fn check(hours: &BusinessHours) -> Result<(), Vec<String>> {
    let mut errors = Vec::new();
    if TimeZone::get(hours.time_zone.trim()).is_err() {
        errors.push(format!("\"{}\" is not a time zone Deskchat knows (e.g. Europe/Berlin).", hours.time_zone));
    }
    for o in &hours.openings {
        if o.weekday > 6 {
            errors.push("A weekday is 0 (Monday) to 6 (Sunday).".to_string());
        } else if o.opens >= o.closes || o.closes > DAY_MINUTES {
            errors.push(format!(
                "On {}, an opening must close after it opens, by midnight at the latest.",
                weekday_name(o.weekday)
            ));
        }
    }
    for day in &hours.holidays {
        if day.trim().parse::<Date>().is_err() {
            errors.push(format!("\"{day}\" is not a date (YYYY-MM-DD)."));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(errors)
    }
}

/// The longest wait limit an admin may set, in minutes.
pub const MAX_WAIT_LIMIT_MINUTES: u32 = 8 * 60;
/// How long an offer may wait for its answer: long enough to read it, short enough that an
/// agent away from the desk does not hold the end user.
pub const OFFER_SECONDS: std::ops::RangeInclusive<u32> = 5..=600;

/// A group's settings as an admin sent them, checked and tidied (the time zone trimmed, the
/// openings by day and hour, the holidays sorted, once each), or every mistake in them.
pub fn check_group_settings(settings: &GroupSettings) -> Result<GroupSettings, Vec<String>> {
    let mut errors = Vec::new();
    let mut tidy = settings.clone();
    if let Some(hours) = &mut tidy.hours {
        hours.time_zone = hours.time_zone.trim().to_string();
        hours.openings.sort_by_key(|o| (o.weekday, o.opens));
        hours.holidays = hours.holidays.iter().map(|d| d.trim().to_string()).filter(|d| !d.is_empty()).collect();
        hours.holidays.sort();
        hours.holidays.dedup();
        if let Err(found) = check(hours) {
            errors.extend(found);
        }
    }
    if let Err(why) = admin::max_chats(settings.max_chats, admin::GROUP_MAX_EMPTY) {
        errors.push(why);
    }
    if let Some(limit) = settings.wait_limit_minutes {
        if limit == 0 || limit > MAX_WAIT_LIMIT_MINUTES {
            errors.push(format!("A wait limit is 1 to {MAX_WAIT_LIMIT_MINUTES} minutes (or none)."));
        }
    }
    if let Some(seconds) = settings.offer_timeout_seconds {
        if !OFFER_SECONDS.contains(&seconds) {
            let (low, high) = (OFFER_SECONDS.start(), OFFER_SECONDS.end());
            errors.push(format!("An offer waits {low} to {high} seconds for its answer."));
        }
    }
    if errors.is_empty() {
        Ok(tidy)
    } else {
        Err(errors)
    }
}

/// Whether a group with these settings is open at `now_ms`: within its hours, or it has none.
pub fn group_open(settings: &GroupSettings, now_ms: i64) -> bool {
    settings.hours.as_ref().is_none_or(|hours| is_open(hours, now_ms))
}

/// Whether the group takes live chats at `now_ms`. Hours that do not pass `check` are closed.
pub fn is_open(hours: &BusinessHours, now_ms: i64) -> bool {
    let (Ok(zone), Ok(now)) = (TimeZone::get(hours.time_zone.trim()), Timestamp::from_millisecond(now_ms)) else {
        return false;
    };
    let local = now.to_zoned(zone);
    let today = local.date();
    if hours.holidays.iter().any(|d| d.trim().parse::<Date>().ok() == Some(today)) {
        return false;
    }
    let weekday = local.weekday().to_monday_zero_offset() as u8;
    let minute = local.hour() as u16 * 60 + local.minute() as u16;
    hours.openings.iter().any(|o| o.weekday == weekday && o.opens <= minute && minute < o.closes)
}

fn weekday_name(weekday: u8) -> &'static str {
    ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
        .get(weekday as usize)
        .copied()
        .unwrap_or("that day")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::RoutingMode;

    /// Nine to five, Monday to Friday.
    fn office(time_zone: &str, holidays: &[&str]) -> BusinessHours {
        BusinessHours {
            time_zone: time_zone.into(),
            openings: (0..5).map(|weekday| Opening { weekday, opens: 9 * 60, closes: 17 * 60 }).collect(),
            holidays: holidays.iter().map(|d| d.to_string()).collect(),
        }
    }

    fn at(instant: &str) -> i64 {
        instant.parse::<Timestamp>().unwrap().as_millisecond()
    }

    #[test]
    fn open_in_the_groups_own_time_zone_not_the_servers() {
        let berlin = office("Europe/Berlin", &[]);
        let new_york = office("America/New_York", &[]);
        // Wednesday 2026-12-02, 08:30 UTC: 09:30 in Berlin, 03:30 in New York.
        assert!(is_open(&berlin, at("2026-12-02T08:30:00Z")));
        assert!(!is_open(&new_york, at("2026-12-02T08:30:00Z")));
        // 15:00 UTC: 16:00 in Berlin, 10:00 in New York.
        assert!(is_open(&berlin, at("2026-12-02T15:00:00Z")));
        assert!(is_open(&new_york, at("2026-12-02T15:00:00Z")));
    }

    #[test]
    fn opening_and_closing_minutes_and_the_weekend() {
        let utc = office("UTC", &[]);
        assert!(!is_open(&utc, at("2026-12-02T08:59:59Z")));
        assert!(is_open(&utc, at("2026-12-02T09:00:00Z")));
        assert!(is_open(&utc, at("2026-12-02T16:59:59Z")));
        assert!(!is_open(&utc, at("2026-12-02T17:00:00Z")), "closes at five sharp");
        // Saturday and Sunday.
        assert!(!is_open(&utc, at("2026-12-05T12:00:00Z")));
        assert!(!is_open(&utc, at("2026-12-06T12:00:00Z")));
    }

    #[test]
    fn daylight_saving_moves_the_hours_with_the_local_clock() {
        let new_york = office("America/New_York", &[]);
        // 13:30 UTC is 08:30 on Friday 2026-03-06 (EST, UTC-5): closed; on Monday 2026-03-09,
        // after clocks went forward (EDT, UTC-4), it is 09:30: open.
        assert!(!is_open(&new_york, at("2026-03-06T13:30:00Z")));
        assert!(is_open(&new_york, at("2026-03-09T13:30:00Z")));
        // And back in autumn: 13:30 UTC on Monday 2026-11-02 is 08:30 EST again.
        assert!(!is_open(&new_york, at("2026-11-02T13:30:00Z")));
        let berlin = office("Europe/Berlin", &[]);
        // 07:30 UTC: 09:30 CEST on Monday 2026-03-30, 08:30 CET on Monday 2026-03-23.
        assert!(is_open(&berlin, at("2026-03-30T07:30:00Z")));
        assert!(!is_open(&berlin, at("2026-03-23T07:30:00Z")));
    }

    #[test]
    fn a_holiday_is_a_whole_local_day_closed() {
        let berlin = office("Europe/Berlin", &["2026-12-24"]);
        assert!(!is_open(&berlin, at("2026-12-24T10:00:00Z")));
        assert!(is_open(&berlin, at("2026-12-23T10:00:00Z")));
        // The holiday is the group's local day: in Tokyo (UTC+9) the 25th begins at 15:00 UTC.
        let tokyo = BusinessHours {
            openings: (0..7).map(|weekday| Opening { weekday, opens: 0, closes: DAY_MINUTES }).collect(),
            ..office("Asia/Tokyo", &["2026-12-25"])
        };
        assert!(!is_open(&tokyo, at("2026-12-24T15:30:00Z")), "00:30 on the 25th in Tokyo");
        assert!(is_open(&tokyo, at("2026-12-24T14:30:00Z")), "23:30 on the 24th in Tokyo");
    }

    #[test]
    fn an_opening_past_midnight_is_two_openings() {
        let night = BusinessHours {
            time_zone: "UTC".into(),
            openings: vec![
                Opening { weekday: 4, opens: 22 * 60, closes: DAY_MINUTES },
                Opening { weekday: 5, opens: 0, closes: 2 * 60 },
            ],
            holidays: vec![],
        };
        assert!(check(&night).is_ok());
        assert!(is_open(&night, at("2026-12-04T23:59:00Z")), "Friday night");
        assert!(is_open(&night, at("2026-12-05T01:00:00Z")), "early Saturday");
        assert!(!is_open(&night, at("2026-12-05T02:00:00Z")));
    }

    #[test]
    fn mistakes_are_named_for_the_admin_and_such_hours_are_closed() {
        let bad = BusinessHours {
            time_zone: "Mars/Olympus".into(),
            openings: vec![
                Opening { weekday: 7, opens: 0, closes: 60 },
                Opening { weekday: 2, opens: 600, closes: 600 },
                Opening { weekday: 3, opens: 0, closes: DAY_MINUTES + 1 },
            ],
            holidays: vec!["24.12.2026".into()],
        };
        let errors = check(&bad).unwrap_err();
        assert_eq!(errors.len(), 5, "{errors:?}");
        assert!(errors[0].contains("Mars/Olympus"));
        assert!(errors[2].starts_with("On Wednesday"));
        assert!(errors[4].contains("24.12.2026"));
        assert!(!is_open(&bad, at("2026-12-02T10:00:00Z")));
        assert!(check(&office("Europe/Berlin", &["2026-12-24"])).is_ok());
    }

    #[test]
    fn group_settings_are_tidied_or_every_mistake_named() {
        let mut hours = office(" Europe/Berlin ", &["2026-12-26", "", "2026-12-25", "2026-12-25"]);
        hours.openings.reverse();
        let sent = GroupSettings { hours: Some(hours), leave_message_when_nobody_online: true, wait_limit_minutes: Some(15), ..Default::default() };
        let tidy = check_group_settings(&sent).unwrap();
        let hours = tidy.hours.unwrap();
        assert_eq!(hours.time_zone, "Europe/Berlin");
        assert_eq!(hours.holidays, ["2026-12-25", "2026-12-26"]);
        assert_eq!(hours.openings.first().map(|o| o.weekday), Some(0));
        assert_eq!(check_group_settings(&GroupSettings::default()), Ok(GroupSettings::default()), "no hours: always open");

        let bad = GroupSettings {
            hours: Some(BusinessHours { time_zone: "Mars/Olympus".into(), openings: vec![Opening { weekday: 2, opens: 600, closes: 500 }], holidays: vec!["soon".into()] }),
            leave_message_when_nobody_online: false,
            wait_limit_minutes: Some(0),
            max_chats: Some(101),
            count_guest_chats: false,
            routing: RoutingMode::AutoAssign,
            offer_timeout_seconds: Some(4),
            offline_requests_in_console: true,
            satisfaction_survey: true,
        };
        assert_eq!(check_group_settings(&bad).unwrap_err().len(), 6);
        let slow = GroupSettings { offer_timeout_seconds: Some(601), ..Default::default() };
        assert_eq!(check_group_settings(&slow).unwrap_err(), ["An offer waits 5 to 600 seconds for its answer."]);
        let quick = GroupSettings { offer_timeout_seconds: Some(5), ..Default::default() };
        assert!(check_group_settings(&quick).is_ok());
    }
}
