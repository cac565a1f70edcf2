//! The filter bar every dashboard shares: a date range (default the last 30 days), team,
//! owner, source, campaign and lead type, kept in the URL's query string so a view can be
//! linked and reloaded. Dates are whole UTC days; `to` is inclusive.

use chrono::{Duration, NaiveDate, Utc};
use leptos::prelude::*;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use wasm_bindgen::JsValue;

use crate::api::{self, ApiErrors, TeamName, types::DirectoryUser};
use crate::contexts::session::use_session;

/// The applied filter, as the query string holds it (empty: not narrowed).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Filter {
    pub from: String,
    pub to: String,
    pub team: String,
    pub owner: String,
    pub source: String,
    pub campaign: String,
    pub lead_type: String,
}

const KEYS: [&str; 7] = [
    "from", "to", "team", "owner", "source", "campaign", "leadType",
];

fn today() -> NaiveDate {
    Utc::now().date_naive()
}

/// `YYYY-MM-DD` (read by hand: chrono's format parser is large in wasm).
pub fn day(text: &str) -> Option<NaiveDate> {
    let mut parts = text.trim().splitn(3, '-').map(str::parse::<u32>);
    let (Some(Ok(y)), Some(Ok(m)), Some(Ok(d))) = (parts.next(), parts.next(), parts.next()) else {
        return None;
    };
    NaiveDate::from_ymd_opt(i32::try_from(y).ok()?, m, d)
}

impl Filter {
    fn field_mut(&mut self, key: &str) -> Option<&mut String> {
        Some(match key {
            "from" => &mut self.from,
            "to" => &mut self.to,
            "team" => &mut self.team,
            "owner" => &mut self.owner,
            "source" => &mut self.source,
            "campaign" => &mut self.campaign,
            "leadType" => &mut self.lead_type,
            _ => return None,
        })
    }

    fn field(&self, key: &str) -> &str {
        match key {
            "from" => &self.from,
            "to" => &self.to,
            "team" => &self.team,
            "owner" => &self.owner,
            "source" => &self.source,
            "campaign" => &self.campaign,
            "leadType" => &self.lead_type,
            _ => "",
        }
    }

    /// Reads `?from=2026-01-01&team=3…`; missing or unreadable dates take the default range.
    pub fn parse(search: &str) -> Self {
        let mut filter = Self::default();
        for pair in search.trim_start_matches('?').split('&') {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = js_sys::decode_uri_component(&value.replace('+', " "))
                .ok()
                .and_then(|v| v.as_string())
                .unwrap_or_default();
            if let Some(field) = filter.field_mut(key) {
                *field = value.trim().to_owned();
            }
        }
        filter.normalise()
    }

    /// Fills in the default dates (the last 30 days) and drops unreadable ones.
    pub fn normalise(mut self) -> Self {
        let to = day(&self.to).unwrap_or_else(today);
        let from = day(&self.from).unwrap_or(to - Duration::days(30));
        self.to = to.format("%Y-%m-%d").to_string();
        self.from = from.format("%Y-%m-%d").to_string();
        self
    }

    /// `?from=…&to=…&team=…` with only the non-empty fields.
    pub fn query_string(&self) -> String {
        let parts: Vec<String> = KEYS
            .iter()
            .filter(|k| !self.field(k).is_empty())
            .map(|k| {
                let value: String = js_sys::encode_uri_component(self.field(k)).into();
                format!("{k}={value}")
            })
            .collect();
        if parts.is_empty() {
            String::new()
        } else {
            format!("?{}", parts.join("&"))
        }
    }

    /// The period as RFC 3339 instants: `from` midnight UTC to the midnight after `to`.
    pub fn period(&self) -> (String, String) {
        let to = day(&self.to).unwrap_or_else(today);
        let from = day(&self.from).unwrap_or(to - Duration::days(30));
        let end = to + Duration::days(1);
        (
            format!("{}T00:00:00Z", from.format("%Y-%m-%d")),
            format!("{}T00:00:00Z", end.format("%Y-%m-%d")),
        )
    }

    /// The GraphQL `ReportFilter`.
    pub fn report_filter(&self) -> Value {
        let (from, to) = self.period();
        let mut map = Map::new();
        map.insert("from".into(), json!(from));
        map.insert("to".into(), json!(to));
        for (key, name) in [
            ("team", "teamIds"),
            ("owner", "ownerIds"),
            ("source", "sources"),
            ("campaign", "campaigns"),
            ("leadType", "leadTypes"),
        ] {
            let value = self.field(key);
            if !value.is_empty() {
                map.insert(name.into(), json!([value]));
            }
        }
        Value::Object(map)
    }

    /// The same filter as query parameters of `GET /reports/{name}.csv`.
    pub fn export_query(&self) -> String {
        let (from, to) = self.period();
        let mut parts = vec![format!("from={from}"), format!("to={to}")];
        for (key, name) in [
            ("team", "teamIds"),
            ("owner", "ownerIds"),
            ("source", "sources"),
            ("campaign", "campaigns"),
            ("leadType", "leadTypes"),
        ] {
            let value = self.field(key);
            if !value.is_empty() {
                let value: String = js_sys::encode_uri_component(value).into();
                parts.push(format!("{name}={value}"));
            }
        }
        parts.join("&")
    }
}

/// The location's query string.
pub fn current_search() -> String {
    web_sys::window()
        .and_then(|w| w.location().search().ok())
        .unwrap_or_default()
}

/// Writes `filter` into the URL (same history entry: the filter is not a new screen).
pub fn write_url(filter: &Filter) {
    let Some(window) = web_sys::window() else {
        return;
    };
    let path = window.location().pathname().unwrap_or_default();
    if let Ok(history) = window.history() {
        let url = format!("{path}{}", filter.query_string());
        let _ = history.replace_state_with_url(&JsValue::NULL, "", Some(&url));
    }
}

#[derive(Deserialize)]
struct TeamsData {
    teams: Vec<TeamName>,
}

async fn teams(token: &str) -> Result<Vec<TeamName>, ApiErrors> {
    api::execute::<_, TeamsData>(
        "query Teams { teams { id name isQueue } }",
        json!({}),
        Some(token),
    )
    .await
    .map(|d| d.teams)
}

/// The filter form: edits a draft, applied (to the URL and `filter`) by its button.
#[component]
pub fn FilterBar(filter: RwSignal<Filter>) -> impl IntoView {
    let session = use_session();
    let draft = RwSignal::new(filter.get_untracked());
    Effect::new(move |_| draft.set(filter.get()));
    let options = LocalResource::new(move || {
        let token = session.require_token();
        async move {
            let token = token?;
            let teams = session.check(teams(&token).await).unwrap_or_default();
            let users: Vec<DirectoryUser> = session
                .check(api::users(&token, None, None).await)
                .unwrap_or_default();
            Ok::<_, ApiErrors>((teams, users))
        }
    });
    let apply = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = draft.get_untracked().normalise();
        write_url(&next);
        filter.set(next);
    };
    let reset = move |_| {
        let next = Filter::default().normalise();
        write_url(&next);
        filter.set(next);
    };
    let text = move |key: &'static str, label: &'static str| {
        let id = format!("filter-{key}");
        view! {
            <div class="field">
                <label for=id.clone()>{label}</label>
                <input
                    id=id
                    name=key
                    type=if key == "from" || key == "to" { "date" } else { "text" }
                    prop:value=move || draft.with(|d| d.field(key).to_owned())
                    on:input=move |ev| {
                        let value = event_target_value(&ev);
                        draft.update(|d| if let Some(f) = d.field_mut(key) { *f = value; });
                    }
                />
            </div>
        }
    };
    let team_options = move || {
        options.get().and_then(Result::ok).map(|(teams, _)| {
            teams
                .into_iter()
                .map(|t| {
                    let selected = draft.with_untracked(|d| d.team == t.id);
                    view! { <option value=t.id selected=selected>{t.name}</option> }
                })
                .collect_view()
        })
    };
    let owner_options = move || {
        options.get().and_then(Result::ok).map(|(_, users)| {
            users
                .into_iter()
                .map(|u| {
                    let selected = draft.with_untracked(|d| d.owner == u.id);
                    view! { <option value=u.id selected=selected>{u.name}</option> }
                })
                .collect_view()
        })
    };
    view! {
        <form class="filter-bar" aria-label="Report filter" on:submit=apply data-testid="filter-bar">
            {text("from", "From")}
            {text("to", "To (inclusive)")}
            <div class="field">
                <label for="filter-team">"Team"</label>
                <select
                    id="filter-team"
                    prop:value=move || draft.with(|d| d.team.clone())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        draft.update(|d| d.team = value);
                    }
                >
                    <option value="">"All teams"</option>
                    {team_options}
                </select>
            </div>
            <div class="field">
                <label for="filter-owner">"Owner"</label>
                <select
                    id="filter-owner"
                    prop:value=move || draft.with(|d| d.owner.clone())
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        draft.update(|d| d.owner = value);
                    }
                >
                    <option value="">"All owners"</option>
                    {owner_options}
                </select>
            </div>
            {text("source", "Source")}
            {text("campaign", "Campaign")}
            {text("leadType", "Lead type")}
            <div class="filter-actions">
                <button type="submit" data-testid="filter-apply">"Apply"</button>
                <button type="button" class="secondary" on:click=reset>"Last 30 days, everything"</button>
            </div>
        </form>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn days_read_by_hand_and_periods_end_after_the_last_day() {
        assert_eq!(day("2026-02-28"), NaiveDate::from_ymd_opt(2026, 2, 28));
        assert_eq!(day("2026-02-30"), None);
        assert_eq!(day("yesterday"), None);
        let filter = Filter {
            from: "2026-01-01".into(),
            to: "2026-01-31".into(),
            lead_type: "demo_request".into(),
            ..Filter::default()
        };
        let (from, to) = filter.period();
        assert_eq!(
            (from.as_str(), to.as_str()),
            ("2026-01-01T00:00:00Z", "2026-02-01T00:00:00Z")
        );
        let value = filter.report_filter();
        assert_eq!(value["leadTypes"], json!(["demo_request"]));
        assert!(value.get("teamIds").is_none());
        let normalised = Filter::default().normalise();
        assert_eq!(
            day(&normalised.to).map(|to| to - Duration::days(30)),
            day(&normalised.from)
        );
    }
}
