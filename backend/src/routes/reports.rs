//! `GET /reports/{name}.csv`: a report as CSV (`crate::reports::export`), for spreadsheets.
//!
//! - `Authorization: Bearer <token>`, the same tokens and role checks as GraphQL
//!   (`reports::access::scoped`): admins and marketing ops see the organisation, managers their
//!   teams, reps and integrations nothing (403).
//! - The filter and arguments are query parameters named as in GraphQL (see
//!   `reports::export` for the list and the list syntax).
//! - Answers: 200 `text/csv` with `Content-Disposition: attachment; filename=…`; 401 without
//!   valid credentials, 403 for a role or team not allowed, 404 for a report that does not
//!   export, 400 naming the bad parameter. Error bodies are `{"error": {"code", "message",
//!   "field"}}`.

use actix_web::http::header;
use actix_web::{HttpRequest, HttpResponse, web};
use chrono::{DateTime, Utc};
use handoff_shared::domain::SlaKind;

use crate::error::ApiError;
use crate::reports::export::{self, ExportParams};
use crate::reports::governance::Month;
use crate::reports::{Period, ReportFilter, access};
use crate::routes::graphql::principal_from_headers;
use crate::state::AppState;

/// Filter parameters every report takes.
const FILTER_PARAMETERS: &[&str] = &[
    "from",
    "to",
    "teamIds",
    "ownerIds",
    "sources",
    "campaigns",
    "leadTypes",
];

/// The handler of `GET /reports/{file}`.
pub async fn export(
    state: web::Data<AppState>,
    http: HttpRequest,
    file: web::Path<String>,
) -> HttpResponse {
    match handle(&state, &http, &file).await {
        Ok(response) => response,
        Err(error) => error.into_http_response(),
    }
}

async fn handle(
    state: &AppState,
    http: &HttpRequest,
    file: &str,
) -> Result<HttpResponse, ApiError> {
    let principal = principal_from_headers(state, http)
        .await?
        .ok_or(ApiError::Unauthenticated)?;
    let name = file
        .strip_suffix(".csv")
        .filter(|name| export::REPORTS.contains(name))
        .ok_or_else(|| {
            ApiError::not_found(format!(
                "there is no report {file:?} to export; try /reports/<name>.csv with one of: {}",
                export::REPORTS.join(", ")
            ))
        })?;
    let now = state.clock.now();
    let pairs = web::Query::<Vec<(String, String)>>::from_query(http.query_string())
        .map_err(|_| ApiError::bad_input("query", "the query string cannot be read"))?
        .into_inner();
    let mut params = parse(name, &pairs, now)?;
    params.filter = access::scoped(&state.db, &principal, params.filter).await?;
    let table = export::table(&state.db, name, &params, now)
        .await?
        .ok_or_else(|| ApiError::not_found(format!("there is no report {name:?} to export")))?;
    Ok(HttpResponse::Ok()
        .content_type("text/csv; charset=utf-8")
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!(
                "attachment; filename=\"{}\"",
                export::file_name(name, params.filter.period)
            ),
        ))
        .body(table.to_csv()?))
}

/// The values of a list parameter: each occurrence, split at commas, trimmed, empty pieces
/// dropped (so an empty value is an empty list).
fn list<'a>(values: &[&'a str]) -> Vec<&'a str> {
    values
        .iter()
        .flat_map(|v| v.split(','))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .collect()
}

fn single<'a>(name: &str, values: &[&'a str]) -> Result<&'a str, ApiError> {
    match values {
        [one] => Ok(one.trim()),
        _ => Err(ApiError::bad_input(name, "give it once")),
    }
}

fn instant(name: &str, values: &[&str]) -> Result<DateTime<Utc>, ApiError> {
    // A `+` that was not percent-encoded arrives as a space.
    let raw = single(name, values)?.replace(' ', "+");
    DateTime::parse_from_rfc3339(&raw)
        .map(|t| t.to_utc())
        .map_err(|_| {
            ApiError::bad_input(
                name,
                format!("{raw:?} is not an RFC 3339 instant such as 2026-03-01T00:00:00Z"),
            )
        })
}

/// The report's parameters from the query string's `pairs`.
pub fn parse(
    report: &str,
    pairs: &[(String, String)],
    now: DateTime<Utc>,
) -> Result<ExportParams, ApiError> {
    let extra = export::extra_parameters(report);
    let mut by_name: Vec<(&str, Vec<&str>)> = Vec::new();
    for (name, value) in pairs {
        if !FILTER_PARAMETERS.contains(&name.as_str()) && !extra.contains(&name.as_str()) {
            let known: Vec<&str> = FILTER_PARAMETERS.iter().chain(extra).copied().collect();
            return Err(ApiError::bad_input(
                name.as_str(),
                format!(
                    "is not a parameter of {report}; it takes {}",
                    known.join(", ")
                ),
            ));
        }
        match by_name.iter_mut().find(|(n, _)| *n == name.as_str()) {
            Some((_, values)) => values.push(value),
            None => by_name.push((name, vec![value])),
        }
    }
    let get = |name: &str| by_name.iter().find(|(n, _)| *n == name).map(|(_, v)| v);
    let from = get("from").map(|v| instant("from", v)).transpose()?;
    let to = get("to").map(|v| instant("to", v)).transpose()?;
    if let (Some(from), Some(to)) = (from, to)
        && to < from
    {
        return Err(ApiError::bad_input("to", "must not be before from"));
    }
    let ids = |name: &str| -> Result<Option<Vec<i64>>, ApiError> {
        get(name)
            .map(|values| {
                list(values)
                    .into_iter()
                    .map(|v| {
                        v.parse::<i64>()
                            .ok()
                            .filter(|id| *id > 0)
                            .ok_or_else(|| ApiError::bad_input(name, format!("{v:?} is not an id")))
                    })
                    .collect()
            })
            .transpose()
    };
    let strings =
        |name: &str| get(name).map(|values| list(values).into_iter().map(str::to_owned).collect());
    let kind = get("kind")
        .map(|v| {
            let raw = single("kind", v)?;
            SlaKind::parse(raw).ok_or_else(|| {
                ApiError::bad_input(
                    "kind",
                    format!("{raw:?} is not FIRST_RESPONSE, ACCEPTANCE or QUALIFICATION"),
                )
            })
        })
        .transpose()?;
    let stale_days = get("staleDays")
        .map(|v| {
            let raw = single("staleDays", v)?;
            raw.parse::<i64>()
                .ok()
                .filter(|d| (0..=36_500).contains(d))
                .ok_or_else(|| {
                    ApiError::bad_input("staleDays", "must be a whole number of days, 0 or more")
                })
        })
        .transpose()?;
    let month = get("month")
        .map(|v| Month::parse(single("month", v)?, "month"))
        .transpose()?;
    Ok(ExportParams {
        filter: ReportFilter {
            period: Period::resolve(from, to, now)
                .map_err(|_| ApiError::bad_input("to", "must not be before from"))?,
            team_ids: ids("teamIds")?,
            owner_ids: ids("ownerIds")?,
            sources: strings("sources"),
            campaigns: strings("campaigns"),
            lead_types: strings("leadTypes"),
        },
        kind,
        stale_days,
        month,
    })
}
