//! Business calendars: the list, a week editor (up to two windows a day, so a lunch break is
//! a gap between them), the time zone and holidays, saved with `upsertBusinessCalendar`; the
//! server's field errors show beside the field they name. A live `slaPreview` panel answers
//! "a lead arriving then, with this target, is due when" as the admin edits (debounced).

use std::time::Duration;

use chrono::{DateTime, Local, NaiveDateTime, SecondsFormat, Utc};
use handoff_shared::sla::{BusinessCalendar, CalendarSpec, WindowSpec};
use leptos::prelude::*;
use leptos::task::spawn_local;
use serde::Deserialize;
use serde_json::json;

use crate::api::{ApiErrors, execute};
use crate::contexts::session::use_session;
use crate::pages::definitions::{PolicyCalendar, load_configuration};
use crate::pages::queue::LoadError;

const UPSERT: &str = "mutation SaveCalendar($input: NamedCalendarInput!) { \
     upsertBusinessCalendar(input: $input) { id name \
     definition { timezone weekly { day open close } holidays } } }";

const PREVIEW: &str = "query Preview($calendar: BusinessCalendarInput!, $start: DateTime!, $seconds: Int!) { \
     slaPreview(calendar: $calendar, start: $start, seconds: $seconds) }";

/// The weekdays as the contract keys them, with their names.
pub const DAYS: [(&str, &str); 7] = [
    ("mon", "Monday"),
    ("tue", "Tuesday"),
    ("wed", "Wednesday"),
    ("thu", "Thursday"),
    ("fri", "Friday"),
    ("sat", "Saturday"),
    ("sun", "Sunday"),
];

/// Time zones offered; a calendar's own zone is added when it is not among them.
const ZONES: [&str; 24] = [
    "UTC",
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Los_Angeles",
    "America/Phoenix",
    "America/Toronto",
    "America/Sao_Paulo",
    "America/Mexico_City",
    "Europe/London",
    "Europe/Dublin",
    "Europe/Paris",
    "Europe/Berlin",
    "Europe/Madrid",
    "Europe/Amsterdam",
    "Europe/Stockholm",
    "Europe/Warsaw",
    "Africa/Johannesburg",
    "Asia/Dubai",
    "Asia/Kolkata",
    "Asia/Singapore",
    "Asia/Tokyo",
    "Australia/Sydney",
    "Pacific/Auckland",
];

/// A named calendar as the configuration query and the save answer it.
type NamedCalendar = PolicyCalendar;

#[derive(Deserialize)]
struct UpsertData {
    #[serde(rename = "upsertBusinessCalendar")]
    calendar: NamedCalendar,
}

#[derive(Deserialize)]
struct PreviewData {
    #[serde(rename = "slaPreview")]
    due: DateTime<Utc>,
}

pub async fn load_calendars(token: &str) -> Result<Vec<NamedCalendar>, ApiErrors> {
    load_configuration(token)
        .await
        .map(|d| d.business_calendars)
}

/// A calendar in the zone `name` (any hours), when the zone is known: for its wall clock.
fn zone(name: &str) -> Option<BusinessCalendar> {
    crate::zones::calendar(&CalendarSpec::weekdays(name, "09:00", "17:00")).ok()
}

/// `instant` in the calendar's zone (and UTC), for people.
fn local_text(instant: DateTime<Utc>, timezone: &str) -> String {
    let utc = instant.format("%H:%M UTC").to_string();
    match zone(timezone).and_then(|c| c.local(instant)) {
        Some(local) => format!("{} {timezone} ({utc})", local.format("%a %Y-%m-%d %H:%M")),
        None => instant.format("%a %Y-%m-%d %H:%M UTC").to_string(),
    }
}

/// A `datetime-local` value read as wall-clock time in `timezone`.
fn arrival_instant(value: &str, timezone: &str) -> Option<DateTime<Utc>> {
    let naive = NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M")
        .or_else(|_| NaiveDateTime::parse_from_str(value, "%Y-%m-%dT%H:%M:%S"))
        .ok()?;
    zone(timezone)?.instant(naive)
}

/// The editable windows of one weekday: the first window and an optional second one.
#[derive(Debug, Clone, Copy)]
struct DayEdit {
    key: &'static str,
    name: &'static str,
    slots: [(RwSignal<String>, RwSignal<String>); 2],
}

impl DayEdit {
    fn new(key: &'static str, name: &'static str, spec: &CalendarSpec) -> Self {
        let mut windows: Vec<&WindowSpec> = spec.weekly.iter().filter(|w| w.day == key).collect();
        windows.sort_by(|a, b| a.open.cmp(&b.open));
        let slot = |i: usize| {
            let window = windows.get(i);
            (
                RwSignal::new(window.map(|w| w.open.clone()).unwrap_or_default()),
                RwSignal::new(window.map(|w| w.close.clone()).unwrap_or_default()),
            )
        };
        Self {
            key,
            name,
            slots: [slot(0), slot(1)],
        }
    }
}

/// The editor's state as one calendar, and which (day, slot) each `weekly` entry came from.
fn build_spec(
    timezone: &str,
    days: &[DayEdit],
    holidays: &[String],
) -> (CalendarSpec, Vec<(usize, usize)>) {
    let mut weekly = Vec::new();
    let mut origin = Vec::new();
    for (d, day) in days.iter().enumerate() {
        for (s, (open, close)) in day.slots.iter().enumerate() {
            let (open, close) = (open.get(), close.get());
            if open.trim().is_empty() && close.trim().is_empty() {
                continue;
            }
            weekly.push(WindowSpec::new(day.key, open.trim(), close.trim()));
            origin.push((d, s));
        }
    }
    let spec = CalendarSpec {
        timezone: timezone.to_owned(),
        weekly,
        holidays: holidays.to_vec(),
    };
    (spec, origin)
}

#[component]
pub fn CalendarsPage() -> impl IntoView {
    let session = use_session();
    let calendars = LocalResource::new(move || {
        let token = session.require_token();
        async move { session.check(load_calendars(&token?).await) }
    });
    // The calendar open in the editor: Some(None) for a new one; None: none open.
    let editing = RwSignal::new(None::<Option<NamedCalendar>>);
    let selected = Memo::new(move |_| {
        editing.with(|e| {
            e.as_ref()
                .map(|c| c.as_ref().map(|c| c.id.clone()).unwrap_or_default())
        })
    });
    let notice = RwSignal::new(None::<String>);
    let on_saved = move |saved: NamedCalendar| {
        notice.set(Some(format!("Saved {}.", saved.name)));
        let same = selected.get_untracked().as_deref() == Some(saved.id.as_str());
        if !same {
            // A new calendar: reopen it as the stored one, so the next save replaces it.
            editing.set(Some(Some(saved)));
        }
        calendars.refetch();
    };
    let open = move |calendar: Option<NamedCalendar>| {
        notice.set(None);
        editing.set(Some(calendar));
    };
    view! {
        <section class="panel admin" aria-labelledby="calendars-title">
            <h1 id="calendars-title">"Business calendars"</h1>
            <Transition fallback=|| view! { <p class="muted" role="status">"Loading calendars…"</p> }>
                {move || Suspend::new(async move {
                    match calendars.await {
                        Ok(list) => view! {
                            <ul class="admin-list" data-testid="calendar-list">
                                {list.into_iter().map(|c| {
                                    let id = c.id.clone();
                                    let name = c.name.clone();
                                    let zone = c.definition.timezone.clone();
                                    let current = {
                                        let id = id.clone();
                                        move || selected.with(|s| s.as_deref() == Some(id.as_str()))
                                    };
                                    view! {
                                        <li>
                                            <button
                                                type="button"
                                                class="link-button"
                                                aria-pressed=move || current().to_string()
                                                data-testid="calendar-open"
                                                on:click=move |_| open(Some(c.clone()))
                                            >
                                                {name}
                                            </button>
                                            <span class="muted">" · " {zone}</span>
                                        </li>
                                    }
                                }).collect_view()}
                            </ul>
                        }.into_any(),
                        Err(errors) => view! { <LoadError errors retry=move || calendars.refetch()/> }.into_any(),
                    }
                })}
            </Transition>
            <button type="button" class="secondary" data-testid="calendar-new" on:click=move |_| open(None)>
                "New calendar"
            </button>
        </section>
        {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="calendar-saved">{n}</p> })}
        {move || {
            selected.track();
            let initial = editing.get_untracked()?;
            Some(view! { <CalendarEditor initial on_saved notice/> })
        }}
    }
}

#[component]
fn CalendarEditor(
    initial: Option<NamedCalendar>,
    on_saved: impl Fn(NamedCalendar) + Copy + 'static,
    notice: RwSignal<Option<String>>,
) -> impl IntoView {
    let session = use_session();
    let spec = initial
        .as_ref()
        .map_or_else(CalendarSpec::org_default, |c| c.definition.clone());
    let id = initial.as_ref().map(|c| c.id.clone());
    let title = initial
        .as_ref()
        .map_or_else(|| "New calendar".to_owned(), |c| format!("Edit {}", c.name));
    let name = RwSignal::new(initial.as_ref().map(|c| c.name.clone()).unwrap_or_default());
    let timezone = RwSignal::new(spec.timezone.clone());
    let days: Vec<DayEdit> = DAYS
        .iter()
        .map(|(key, day)| DayEdit::new(key, day, &spec))
        .collect();
    let days = StoredValue::new(days);
    let holidays = RwSignal::new(spec.holidays.clone());
    let new_holiday = RwSignal::new(String::new());

    let errors = RwSignal::new(None::<ApiErrors>);
    let origin = StoredValue::new(Vec::<(usize, usize)>::new());
    let saving = RwSignal::new(false);

    let field_error = move |field: String| {
        errors.with(|e| {
            e.as_ref()
                .and_then(|e| e.for_field(&field).map(str::to_owned))
        })
    };
    // Errors about a window (`calendar.weekly[i]...`) show on that window's row.
    // `errors` is read first so the caller re-runs when errors arrive (`origin` is not reactive).
    let window_error = move |d: usize, s: usize| {
        errors.with(|e| {
            let index = origin.with_value(|o| o.iter().position(|&x| x == (d, s)))?;
            let prefix = format!("calendar.weekly[{index}]");
            e.as_ref().and_then(|e| {
                ["", ".day", ".open", ".close"]
                    .iter()
                    .find_map(|suffix| e.for_field(&format!("{prefix}{suffix}")))
                    .map(str::to_owned)
            })
        })
    };
    let general_errors = move || {
        errors.with(|e| {
            let Some(e) = e else { return Vec::new() };
            let count = origin.with_value(Vec::len);
            let mut shown: Vec<String> = vec!["name".into(), "calendar.timezone".into()];
            for i in 0..count {
                for suffix in ["", ".day", ".open", ".close"] {
                    shown.push(format!("calendar.weekly[{i}]{suffix}"));
                }
            }
            let shown: Vec<&str> = shown.iter().map(String::as_str).collect();
            e.general(&shown).map(str::to_owned).collect::<Vec<_>>()
        })
    };

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if saving.get_untracked() {
            return;
        }
        let (calendar, from) = days
            .with_value(|d| build_spec(&timezone.get_untracked(), d, &holidays.get_untracked()));
        origin.set_value(from);
        let mut input = json!({ "name": name.get_untracked().trim(), "calendar": calendar });
        if let (Some(id), Some(map)) = (id.clone(), input.as_object_mut()) {
            map.insert("id".to_owned(), json!(id));
        }
        saving.set(true);
        notice.set(None);
        spawn_local(async move {
            let result = match session.require_token() {
                Ok(token) => session.check(
                    execute::<_, UpsertData>(UPSERT, json!({ "input": input }), Some(&token)).await,
                ),
                Err(e) => Err(e),
            };
            let _ = saving.try_set(false);
            match result {
                Ok(data) => {
                    let _ = errors.try_set(None);
                    on_saved(data.calendar);
                }
                Err(e) => {
                    let _ = errors.try_set(Some(e));
                }
            }
        });
    };

    // The preview: arrival (wall clock in the calendar's zone) and a target.
    let arrival = RwSignal::new(Local::now().format("%Y-%m-%dT%H:%M").to_string());
    let amount = RwSignal::new("4".to_owned());
    let unit = RwSignal::new("hours".to_owned());
    let request = Memo::new(move |_| {
        let (calendar, _) = days.with_value(|d| build_spec(&timezone.get(), d, &holidays.get()));
        let start = arrival_instant(&arrival.get(), &calendar.timezone);
        let amount: i64 = amount.get().trim().parse().ok().filter(|n| *n >= 0)?;
        let seconds = if unit.get() == "minutes" {
            amount * 60
        } else {
            amount * 3600
        };
        Some((calendar, start?, seconds))
    });
    let debounced = RwSignal::new(None::<(CalendarSpec, DateTime<Utc>, i64)>);
    let generation = StoredValue::new(0_u64);
    Effect::new(move |_| {
        let next = request.get();
        let mine = generation.try_update_value(|g| {
            *g += 1;
            *g
        });
        set_timeout(
            move || {
                if generation.try_get_value() == mine {
                    let _ = debounced.try_set(next);
                }
            },
            Duration::from_millis(250),
        );
    });
    let preview = LocalResource::new(move || {
        let asked = debounced.get();
        let token = session.require_token();
        async move {
            let Some((calendar, start, seconds)) = asked else {
                return Ok(None);
            };
            let variables = json!({
                "calendar": calendar,
                "start": start.to_rfc3339_opts(SecondsFormat::Secs, true),
                "seconds": seconds,
            });
            let data = session
                .check(execute::<_, PreviewData>(PREVIEW, variables, Some(&token?)).await)?;
            Ok::<_, ApiErrors>(Some((data.due, calendar.timezone, start, seconds)))
        }
    });

    let zones = {
        let mut zones: Vec<String> = ZONES.iter().map(|z| (*z).to_owned()).collect();
        if !zones.contains(&spec.timezone) {
            zones.push(spec.timezone.clone());
        }
        zones
    };

    view! {
        <section class="panel admin calendar-editor" aria-labelledby="calendar-editor-title">
            <h2 id="calendar-editor-title" data-testid="calendar-editor-title">{title}</h2>
            <form on:submit=save novalidate>
                <div class="field">
                    <label for="cal-name">"Name"</label>
                    <input id="cal-name" type="text" required prop:value=name on:input=move |ev| name.set(event_target_value(&ev))/>
                    {move || field_error("name".into()).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </div>
                <div class="field">
                    <label for="cal-timezone">"Time zone"</label>
                    <select id="cal-timezone" data-testid="calendar-timezone" on:change=move |ev| timezone.set(event_target_value(&ev))>
                        {zones.into_iter().map(|z| {
                            let selected = z == spec.timezone;
                            view! { <option value=z.clone() selected=selected>{z.clone()}</option> }
                        }).collect_view()}
                    </select>
                    {move || field_error("calendar.timezone".into()).map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                </div>
                <table class="week">
                    <caption>"Opening hours (HH:MM, local time; leave a window empty for none, 24:00 is midnight). A lunch break is the gap between the first and second window."</caption>
                    <thead>
                        <tr>
                            <th scope="col">"Day"</th>
                            <th scope="col">"Opens"</th>
                            <th scope="col">"Closes"</th>
                            <th scope="col">"Reopens"</th>
                            <th scope="col">"Closes again"</th>
                        </tr>
                    </thead>
                    <tbody>
                        {days.get_value().into_iter().enumerate().map(|(d, day)| {
                            let cells = day.slots.into_iter().enumerate().map(|(s, (open, close))| {
                                let (open_label, close_label) = if s == 0 {
                                    (format!("{} opens", day.name), format!("{} closes", day.name))
                                } else {
                                    (format!("{} reopens", day.name), format!("{} closes again", day.name))
                                };
                                view! {
                                    <td>
                                        <input type="text" inputmode="numeric" placeholder="09:00" size="5" maxlength="5"
                                            aria-label=open_label prop:value=open
                                            aria-invalid=move || window_error(d, s).is_some().to_string()
                                            on:input=move |ev| open.set(event_target_value(&ev))/>
                                    </td>
                                    <td>
                                        <input type="text" inputmode="numeric" placeholder="17:00" size="5" maxlength="5"
                                            aria-label=close_label prop:value=close
                                            aria-invalid=move || window_error(d, s).is_some().to_string()
                                            on:input=move |ev| close.set(event_target_value(&ev))/>
                                    </td>
                                }
                            }).collect_view();
                            let messages = move || {
                                [0, 1].into_iter().filter_map(|s| window_error(d, s)).collect::<Vec<_>>()
                            };
                            view! {
                                <tr data-day=day.key>
                                    <th scope="row">{day.name}</th>
                                    {cells}
                                </tr>
                                {move || {
                                    let messages = messages();
                                    (!messages.is_empty()).then(|| view! {
                                        <tr class="week-error">
                                            <td colspan="5">
                                                <p class="field-error" role="alert" data-testid=format!("window-error-{}", day.key)>
                                                    {format!("{}: {}", day.name, messages.join("; "))}
                                                </p>
                                            </td>
                                        </tr>
                                    })
                                }}
                            }
                        }).collect_view()}
                    </tbody>
                </table>
                <fieldset class="holidays">
                    <legend>"Holidays (closed all day)"</legend>
                    <ul data-testid="holiday-list">
                        {move || holidays.get().into_iter().enumerate().map(|(i, day)| {
                            let message = move || field_error(format!("calendar.holidays[{i}]"));
                            view! {
                                <li>
                                    <span>{day.clone()}</span>
                                    <button type="button" class="secondary" aria-label=format!("Remove holiday {day}")
                                        on:click=move |_| holidays.update(|h| { if i < h.len() { h.remove(i); } })>
                                        "Remove"
                                    </button>
                                    {move || message().map(|m| view! { <p class="field-error" role="alert">{m}</p> })}
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <label for="cal-holiday">"Add a holiday"</label>
                    <input id="cal-holiday" type="date" prop:value=new_holiday on:input=move |ev| new_holiday.set(event_target_value(&ev))/>
                    <button type="button" class="secondary" on:click=move |_| {
                        let day = new_holiday.get_untracked().trim().to_owned();
                        if !day.is_empty() {
                            holidays.update(|h| if !h.contains(&day) { h.push(day); h.sort(); });
                            new_holiday.set(String::new());
                        }
                    }>"Add"</button>
                </fieldset>
                {move || {
                    let general = general_errors();
                    (!general.is_empty()).then(|| view! {
                        <div class="alert" role="alert" data-testid="calendar-errors">
                            {general.into_iter().map(|m| view! { <p>{m}</p> }).collect_view()}
                        </div>
                    })
                }}
                <div class="actions">
                    <button type="submit" class="primary-inline" data-testid="calendar-save" disabled=move || saving.get()>
                        {move || if saving.get() { "Saving…" } else { "Save calendar" }}
                    </button>
                </div>
            </form>
        </section>
        <section class="panel admin sla-preview" aria-labelledby="preview-title">
            <h2 id="preview-title">"SLA preview"</h2>
            <p class="preview-sentence">
                <label for="preview-arrival">"A lead arriving at"</label>
                " "
                <input id="preview-arrival" type="datetime-local" data-testid="preview-arrival"
                    prop:value=arrival on:input=move |ev| arrival.set(event_target_value(&ev))/>
                " " <span class="muted">{move || format!("({})", timezone.get())}</span>
                " "
                <label for="preview-amount">"with a target of"</label>
                " "
                <input id="preview-amount" type="number" min="0" step="1" data-testid="preview-amount"
                    prop:value=amount on:input=move |ev| amount.set(event_target_value(&ev))/>
                " "
                <select aria-label="Target unit" data-testid="preview-unit" on:change=move |ev| unit.set(event_target_value(&ev))>
                    <option value="hours" selected=true>"hours"</option>
                    <option value="minutes">"minutes"</option>
                </select>
                " is due at "
            </p>
            <div aria-live="polite" data-testid="preview-result">
                <Transition fallback=|| view! { <p class="muted" role="status">"Computing…"</p> }>
                    {move || Suspend::new(async move {
                        match preview.await {
                            Ok(Some((due, zone, start, seconds))) => view! {
                                <p class="preview-due" data-testid="preview-due" data-due=due.to_rfc3339_opts(SecondsFormat::Secs, true)>
                                    <strong>{local_text(due, &zone)}</strong>
                                </p>
                                <p class="muted">
                                    {format!("Arrival {}; {} business minutes.", local_text(start, &zone), seconds / 60)}
                                </p>
                            }.into_any(),
                            Ok(None) => view! {
                                <p class="muted" data-testid="preview-incomplete">"Enter an arrival time and a target."</p>
                            }.into_any(),
                            Err(e) => view! {
                                <p class="field-error" data-testid="preview-error">{format!("No preview: {e}")}</p>
                            }.into_any(),
                        }
                    })}
                </Transition>
            </div>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_arrival_is_wall_clock_time_in_the_calendars_zone() {
        let at = arrival_instant("2026-12-04T16:59", "America/New_York").unwrap();
        assert_eq!(at.to_rfc3339(), "2026-12-04T21:59:00+00:00");
        let with_seconds = arrival_instant("2026-07-03T16:59:00", "America/New_York").unwrap();
        assert_eq!(
            with_seconds.to_rfc3339(),
            "2026-07-03T20:59:00+00:00",
            "summer time"
        );
        assert_eq!(arrival_instant("2026-12-04", "UTC"), None);
        assert_eq!(arrival_instant("2026-12-04T16:59", "Mars/Olympus"), None);
        assert_eq!(
            local_text(at, "America/New_York"),
            "Fri 2026-12-04 16:59 America/New_York (21:59 UTC)"
        );
    }
}
