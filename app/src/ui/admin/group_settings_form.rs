use leptos::prelude::*;
use leptos::task::spawn_local;

use super::agent_editor::optional_number;
use crate::api::admin::admin_save_group_settings;
use crate::model::*;

const WEEKDAYS: [&str; 7] = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"];

/// One weekday of the form: open or not, from and to (`HH:MM`, the group's local time), and a
/// second opening the same day if it closes in between (a lunch break).
#[derive(Clone, Debug, PartialEq, Eq)]
struct Day {
    open: bool,
    opens: String,
    closes: String,
    split: bool,
    reopens: String,
    closes_again: String,
    /// Openings beyond two (only the API makes them): kept as they are.
    more: Vec<Opening>,
}

/// `HH:MM` of minutes after midnight (1440, the day's end, reads 00:00).
fn clock(minutes: u16) -> String {
    format!("{:02}:{:02}", (minutes / 60) % 24, minutes % 60)
}

/// Minutes after midnight of `HH:MM`; a close at 00:00 is the day's end.
fn minutes(text: &str, closing: bool) -> Option<u16> {
    let (h, m) = text.trim().split_once(':')?;
    let total = h.parse::<u16>().ok()?.checked_mul(60)?.checked_add(m.parse::<u16>().ok()?)?;
    Some(if closing && total == 0 { 24 * 60 } else { total })
}

fn days_of(hours: Option<&BusinessHours>) -> Vec<Day> {
    (0..7u8)
        .map(|weekday| {
            let mut these: Vec<Opening> = hours.map(|h| h.openings.iter().filter(|o| o.weekday == weekday).cloned().collect()).unwrap_or_default();
            these.sort_by_key(|o| o.opens);
            let second = these.get(1).cloned();
            let more = these.iter().skip(2).cloned().collect();
            let (reopens, closes_again) = second.as_ref().map_or(("13:00".into(), "17:00".into()), |o| (clock(o.opens), clock(o.closes)));
            match these.first() {
                Some(o) => Day { open: true, opens: clock(o.opens), closes: clock(o.closes), split: second.is_some(), reopens, closes_again, more },
                None => Day {
                    open: hours.is_none() && weekday < 5,
                    opens: "09:00".into(),
                    closes: "17:00".into(),
                    split: false,
                    reopens,
                    closes_again,
                    more,
                },
            }
        })
        .collect()
}

/// A group's chat settings: business hours (time zone, one or two openings a weekday, holidays), leaving
/// a message when nobody is online, a wait limit, its agents' default maximum of chats, and how
/// requests reach agents (pickup or auto-assign with its offer time). The server checks them
/// (`hours::check_group_settings`) and names every mistake.
#[component]
pub fn GroupSettingsForm(group: AssignmentGroup, settings: GroupSettings, on_saved: Callback<(GroupSettings, String)>) -> impl IntoView {
    let id = group.id;
    let group_name = group.name.clone();
    let has_hours = RwSignal::new(settings.hours.is_some());
    let time_zone = RwSignal::new(settings.hours.as_ref().map(|h| h.time_zone.clone()).unwrap_or_else(|| "UTC".into()));
    let days = RwSignal::new(days_of(settings.hours.as_ref()));
    let holidays = RwSignal::new(settings.hours.as_ref().map(|h| h.holidays.join("\n")).unwrap_or_default());
    let leave_message = RwSignal::new(settings.leave_message_when_nobody_online);
    let wait_limit = RwSignal::new(settings.wait_limit_minutes.map(|m| m.to_string()).unwrap_or_default());
    let max_chats = RwSignal::new(settings.max_chats.map(|m| m.to_string()).unwrap_or_default());
    let count_guest_chats = RwSignal::new(settings.count_guest_chats);
    let offline_in_console = RwSignal::new(settings.offline_requests_in_console);
    let survey = RwSignal::new(settings.satisfaction_survey);
    let auto_assign = RwSignal::new(settings.routing == RoutingMode::AutoAssign);
    let offer_seconds = RwSignal::new(settings.offer_timeout_seconds.map(|s| s.to_string()).unwrap_or_default());
    let error = RwSignal::new(None::<String>);

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let mut openings = Vec::new();
        for (weekday, day) in days.get_untracked().iter().enumerate().filter(|(_, d)| d.open) {
            let mut spans = vec![(&day.opens, &day.closes)];
            if day.split {
                spans.push((&day.reopens, &day.closes_again));
            }
            for (opens, closes) in spans {
                match (minutes(opens, false), minutes(closes, true)) {
                    (Some(opens), Some(closes)) => openings.push(Opening { weekday: weekday as u8, opens, closes }),
                    _ => {
                        error.set(Some(format!("Give {}'s hours as HH:MM.", WEEKDAYS[weekday])));
                        return;
                    }
                }
            }
            openings.extend(day.more.iter().cloned());
        }
        let Ok(wait_limit_minutes) = optional_number(&wait_limit.get_untracked()) else {
            error.set(Some("A wait limit is a whole number of minutes, or empty for none.".into()));
            return;
        };
        let Ok(max_chats) = optional_number(&max_chats.get_untracked()) else {
            error.set(Some("Most chats at once: a whole number, or empty for no limit.".into()));
            return;
        };
        let Ok(offer_timeout_seconds) = optional_number(&offer_seconds.get_untracked()) else {
            error.set(Some(format!("An offer's time to answer: a whole number of seconds, or empty for {DEFAULT_OFFER_SECONDS}.")));
            return;
        };
        let hours = has_hours.get_untracked().then(|| BusinessHours {
            time_zone: time_zone.get_untracked(),
            openings,
            holidays: holidays.get_untracked().lines().map(str::to_string).collect(),
        });
        let sent = GroupSettings {
            hours,
            leave_message_when_nobody_online: leave_message.get_untracked(),
            wait_limit_minutes,
            max_chats,
            count_guest_chats: count_guest_chats.get_untracked(),
            routing: if auto_assign.get_untracked() { RoutingMode::AutoAssign } else { RoutingMode::Pickup },
            offer_timeout_seconds,
            offline_requests_in_console: offline_in_console.get_untracked(),
            satisfaction_survey: survey.get_untracked(),
        };
        let name = group_name.clone();
        spawn_local(async move {
            match admin_save_group_settings(id, sent).await {
                Ok(saved) => {
                    error.set(None);
                    on_saved.run((saved, format!("Saved the chat settings of {name}.")));
                }
                Err(err) => error.set(Some(err.to_string())),
            }
        });
    };

    let day_row = move |weekday: usize| {
        let name = WEEKDAYS[weekday];
        let get = move |f: fn(&Day) -> String| move || days.with(|d| f(&d[weekday]));
        view! {
            <div class="day-hours" role="group" aria-label=name>
                <label>
                    <input type="checkbox" prop:checked=move || days.with(|d| d[weekday].open)
                        on:change=move |ev| days.update(|d| d[weekday].open = event_target_checked(&ev)) />
                    {format!(" Open on {name}")}
                </label>
                <label>
                    {format!("{name} from ")}
                    <input type="time" prop:value=get(|d| d.opens.clone()) disabled=move || days.with(|d| !d[weekday].open)
                        on:input=move |ev| days.update(|d| d[weekday].opens = event_target_value(&ev)) />
                </label>
                <label>
                    {format!(" {name} to ")}
                    <input type="time" prop:value=get(|d| d.closes.clone()) disabled=move || days.with(|d| !d[weekday].open)
                        on:input=move |ev| days.update(|d| d[weekday].closes = event_target_value(&ev)) />
                </label>
                <label>
                    <input type="checkbox" prop:checked=move || days.with(|d| d[weekday].split)
                        disabled=move || days.with(|d| !d[weekday].open)
                        on:change=move |ev| days.update(|d| d[weekday].split = event_target_checked(&ev)) />
                    {format!(" Open again on {name}")}
                </label>
                <label>
                    {format!("{name} again from ")}
                    <input type="time" prop:value=get(|d| d.reopens.clone()) disabled=move || days.with(|d| !(d[weekday].open && d[weekday].split))
                        on:input=move |ev| days.update(|d| d[weekday].reopens = event_target_value(&ev)) />
                </label>
                <label>
                    {format!(" {name} again to ")}
                    <input type="time" prop:value=get(|d| d.closes_again.clone()) disabled=move || days.with(|d| !(d[weekday].open && d[weekday].split))
                        on:input=move |ev| days.update(|d| d[weekday].closes_again = event_target_value(&ev)) />
                </label>
            </div>
        }
    };

    view! {
        <form class="group-settings" on:submit=save aria-label=format!("Chat settings of {}", group.name)>
            <label>
                <input type="checkbox" prop:checked=move || has_hours.get() on:change=move |ev| has_hours.set(event_target_checked(&ev)) />
                " Business hours (live chats only while open; without them, always open)"
            </label>
            <Show when=move || has_hours.get()>
                <fieldset>
                    <legend>"Business hours"</legend>
                    <label for=format!("time-zone-{id}")>"Time zone (IANA name, e.g. Europe/Berlin)"</label>
                    <input id=format!("time-zone-{id}") type="text" prop:value=move || time_zone.get()
                        on:input=move |ev| time_zone.set(event_target_value(&ev)) />
                    {(0..7).map(day_row).collect_view()}
                    <label for=format!("holidays-{id}")>"Holidays, closed all day (one YYYY-MM-DD a line)"</label>
                    <textarea id=format!("holidays-{id}") rows="3" prop:value=move || holidays.get()
                        on:input=move |ev| holidays.set(event_target_value(&ev))></textarea>
                </fieldset>
            </Show>
            <label>
                <input type="checkbox" prop:checked=move || leave_message.get()
                    on:change=move |ev| leave_message.set(event_target_checked(&ev)) />
                " When nobody of the group is online, offer to leave a message instead of queueing"
            </label>
            <label>
                <input type="checkbox" prop:checked=move || offline_in_console.get()
                    on:change=move |ev| offline_in_console.set(event_target_checked(&ev)) />
                " Show messages left (offline requests) in the agents' console, besides Records: there when the group opens"
            </label>
            <label>
                <input type="checkbox" prop:checked=move || survey.get()
                    on:change=move |ev| survey.set(event_target_checked(&ev)) />
                " Ask the end user \"How was this chat?\" (1–5, a comment) when a chat ends"
            </label>
            <label for=format!("wait-limit-{id}")>"Offer to leave a message when the estimated wait is over (minutes; empty for no limit)"</label>
            <input id=format!("wait-limit-{id}") type="number" min="1" inputmode="numeric" prop:value=move || wait_limit.get()
                on:input=move |ev| wait_limit.set(event_target_value(&ev)) />
            <label for=format!("max-chats-{id}")>"Most chats an agent holds at once (empty: no limit; an agent's own maximum comes first)"</label>
            <input id=format!("max-chats-{id}") type="number" min="0" inputmode="numeric" prop:value=move || max_chats.get()
                on:input=move |ev| max_chats.set(event_target_value(&ev)) />
            <label>
                <input type="checkbox" prop:checked=move || count_guest_chats.get()
                    on:change=move |ev| count_guest_chats.set(event_target_checked(&ev)) />
                " Chats an agent helps in as a guest count toward that maximum"
            </label>
            <fieldset>
                <legend>"How requests reach agents"</legend>
                <label>
                    <input type="radio" name=format!("routing-{id}") prop:checked=move || !auto_assign.get()
                        on:change=move |_| auto_assign.set(false) />
                    " Pickup: every agent of the group sees each request; the first to accept takes it"
                </label>
                <label>
                    <input type="radio" name=format!("routing-{id}") prop:checked=move || auto_assign.get()
                        on:change=move |_| auto_assign.set(true) />
                    " Auto-assign: the desk offers each request to one free agent at a time"
                </label>
                <label for=format!("offer-seconds-{id}")>{format!("Seconds an agent has to answer an offer (empty: {DEFAULT_OFFER_SECONDS})")}</label>
                <input id=format!("offer-seconds-{id}") type="number" min="5" max="600" inputmode="numeric"
                    prop:value=move || offer_seconds.get() disabled=move || !auto_assign.get()
                    on:input=move |ev| offer_seconds.set(event_target_value(&ev)) />
            </fieldset>
            <button type="submit">"Save chat settings"</button>
            <p class="error" role="alert">{move || error.get()}</p>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_read_and_write_as_the_time_input_has_them() {
        assert_eq!(clock(9 * 60 + 5), "09:05");
        assert_eq!(clock(24 * 60), "00:00");
        assert_eq!(minutes("09:05", false), Some(545));
        assert_eq!(minutes("00:00", true), Some(1440), "closing at midnight is the day's end");
        assert_eq!(minutes("00:00", false), Some(0));
        assert_eq!(minutes("nine", false), None);
    }

    #[test]
    fn a_group_without_hours_starts_the_form_at_office_hours() {
        let days = days_of(None);
        assert!(days[..5].iter().all(|d| d.open) && days[5..].iter().all(|d| !d.open));
        let set = BusinessHours { time_zone: "UTC".into(), openings: vec![Opening { weekday: 5, opens: 600, closes: 720 }], holidays: vec![] };
        let days = days_of(Some(&set));
        assert_eq!(days.iter().filter(|d| d.open).count(), 1);
        assert_eq!((days[5].opens.as_str(), days[5].closes.as_str()), ("10:00", "12:00"));
    }
}
