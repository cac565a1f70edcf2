//! The lean parts of the smaller dashboards: reports read as JSON values and drawn through one
//! table component and one loader, so each dashboard adds little to the wasm.

use leptos::prelude::*;
use serde_json::{Value, json};

use super::filter::Filter;
use super::{Loading, percent};
use crate::api::{self, ApiErrors};
use crate::contexts::session::use_session;
use crate::pages::queue::LoadError;

pub static NULL: Value = Value::Null;

/// `v[key]` (null when absent).
pub fn at<'a>(v: &'a Value, key: &str) -> &'a Value {
    v.get(key).unwrap_or(&NULL)
}

/// The array at `key` (empty when absent).
pub fn list<'a>(v: &'a Value, key: &str) -> &'a [Value] {
    at(v, key).as_array().map_or(&[], Vec::as_slice)
}

pub fn num(v: &Value, key: &str) -> Option<f64> {
    at(v, key).as_f64()
}

/// A value as text: strings as they are, integers plainly, other numbers to 2 places.
pub fn text(v: &Value, key: &str) -> String {
    match at(v, key) {
        Value::String(s) => s.clone(),
        Value::Number(n) if n.is_i64() => n.to_string(),
        Value::Number(n) => n.as_f64().map_or_else(String::new, |f| format!("{f:.2}")),
        Value::Bool(b) => if *b { "yes" } else { "no" }.to_owned(),
        _ => "—".to_owned(),
    }
}

pub fn pct(v: &Value, key: &str) -> String {
    percent(num(v, key))
}

/// Money, whole units with thousands separators.
pub fn money(amount: Option<f64>) -> String {
    let Some(amount) = amount else {
        return "—".to_owned();
    };
    let digits = format!("{:.0}", amount.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if amount < 0.0 { format!("-{out}") } else { out }
}

/// A plain table: column headings, then rows whose first cell is the row heading.
#[component]
pub fn DataTable(
    #[prop(into)] testid: String,
    headers: Vec<&'static str>,
    rows: Vec<Vec<String>>,
) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="muted" data-testid=testid>"Nothing in the period."</p> }
            .into_any();
    }
    view! {
        <div class="table-scroll">
            <table data-testid=testid>
                <thead>
                    <tr>{headers.into_iter().map(|h| view! { <th scope="col">{h}</th> }).collect_view()}</tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|row| {
                        let mut cells = row.into_iter();
                        let head = cells.next().unwrap_or_default();
                        view! {
                            <tr>
                                <th scope="row">{head}</th>
                                {cells.map(|c| view! { <td>{c}</td> }).collect_view()}
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}

/// Runs `query` with the variables `vars` builds from the filter (and `extra`, a
/// dashboard's own setting), and draws the field `field` of the answer with `render`.
#[component]
pub fn ReportView(
    query: &'static str,
    field: &'static str,
    vars: fn(&Filter, &str) -> Value,
    render: fn(Value) -> AnyView,
    filter: RwSignal<Filter>,
    #[prop(optional)] extra: Option<RwSignal<String>>,
) -> impl IntoView {
    let session = use_session();
    let report = LocalResource::new(move || {
        let token = session.require_token();
        let extra = extra.map(|e| e.get()).unwrap_or_default();
        let variables = filter.with(|f| vars(f, &extra));
        async move {
            let data =
                session.check(api::execute::<_, Value>(query, variables, Some(&token?)).await)?;
            Ok::<_, ApiErrors>(at(&data, field).clone())
        }
    });
    view! {
        <Transition fallback=|| view! { <Loading/> }>
            {move || Suspend::new(async move {
                match report.await {
                    Ok(value) => render(value),
                    Err(errors) => view! { <LoadError errors retry=move || report.refetch()/> }.into_any(),
                }
            })}
        </Transition>
    }
}

/// The variables of a report that takes only the filter.
pub fn filter_only(filter: &Filter, _extra: &str) -> Value {
    json!({ "filter": filter.report_filter() })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_read_as_text() {
        let v = json!({ "n": 3, "f": 0.25, "s": "x", "z": null, "rate": 0.5 });
        assert_eq!(text(&v, "n"), "3");
        assert_eq!(text(&v, "f"), "0.25");
        assert_eq!(text(&v, "s"), "x");
        assert_eq!(text(&v, "z"), "—");
        assert_eq!(text(&v, "missing"), "—");
        assert_eq!(pct(&v, "rate"), "50.0 %");
        assert_eq!(money(Some(1_234_567.4)), "1,234,567");
        assert_eq!(money(Some(-999.0)), "-999");
        assert_eq!(money(None), "—");
    }
}
