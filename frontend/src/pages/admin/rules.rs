//! Scoring and routing rules: the lists, a form that creates or replaces a rule
//! (`upsertScoringRule`, `upsertRoutingRule`), and beside each a sample lead the server scores
//! (`scorePreview`) or routes (`routePreview`) with the code intake runs, writing nothing. Read
//! as JSON, drawn with the shared table and form.

use leptos::prelude::*;
use serde_json::{Map, Value, json};

use super::form::{Control, Editor, JsonForm, JsonLoad, Kind, choices, control};
use crate::pages::dashboards::generic::{DataTable, at, list, text};

const SCORING: &str = "query AdminScoring { scoringRules { id name points field operator value \
     engagement maxTimes active } leadTypes { key label active } }";

const SCORING_RULE: &str = "mutation SaveScoringRule($input: ScoringRuleInput!) \
     { upsertScoringRule(input: $input) { id } }";

const SCORE_PREVIEW: &str = "query ScorePreview($lead: LeadInput!) { scorePreview(lead: $lead) \
     { score threshold mql mqlReason redFlags disqualified breakdown { rule points times } } }";

const ROUTING: &str = "query AdminRouting { routingRules { id name priority leadTypes countries \
     regions industries minCompanySize maxCompanySize method team { id name } queueOnly active } \
     teams { id name } leadTypes { key label active } }";

const ROUTING_RULE: &str = "mutation SaveRoutingRule($input: RoutingRuleInput!) \
     { upsertRoutingRule(input: $input) { id } }";

const ROUTE_PREVIEW: &str = "query RoutePreview($lead: LeadInput!) { routePreview(lead: $lead) \
     { owner { name email } team { name } method rule detail } }";

const LISTS: [&str; 4] = ["leadTypes", "countries", "regions", "industries"];

fn options(pairs: &[(&str, &str)]) -> Kind {
    Kind::Choice(
        pairs
            .iter()
            .map(|(v, l)| ((*v).to_owned(), (*l).to_owned()))
            .collect(),
    )
}

fn input(form: Value) -> Value {
    json!({ "input": form })
}

/// Comma-separated text as a list (empty: null).
fn split(raw: &Value) -> Value {
    let items: Vec<&str> = raw
        .as_str()
        .unwrap_or_default()
        .split(',')
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .collect();
    if items.is_empty() {
        Value::Null
    } else {
        json!(items)
    }
}

fn routing_input(mut form: Value) -> Value {
    if let Some(o) = form.as_object_mut() {
        for key in LISTS {
            let list = split(o.get(key).unwrap_or(&Value::Null));
            o.insert(key.to_owned(), list);
        }
    }
    input(form)
}

fn scoring_initial(rule: &Value) -> Value {
    if rule.is_null() {
        json!({ "points": 10, "active": true })
    } else {
        rule.clone()
    }
}

fn routing_initial(rule: &Value) -> Value {
    if rule.is_null() {
        return json!({ "priority": 100, "method": "ROUND_ROBIN", "active": true });
    }
    let mut r = rule.clone();
    if let Some(o) = r.as_object_mut() {
        for key in LISTS {
            let joined = list(rule, key)
                .iter()
                .filter_map(Value::as_str)
                .collect::<Vec<_>>()
                .join(", ");
            o.insert(key.to_owned(), json!(joined));
        }
        o.insert("teamId".into(), at(at(rule, "team"), "id").clone());
        o.remove("team");
    }
    r
}

/// The sample lead as `LeadInput`: its engagement so far becomes backfilled history.
fn sample(form: Value) -> Value {
    let mut lead = Map::new();
    lead.insert("externalId".into(), json!(""));
    if let Value::Object(o) = form {
        for (key, value) in o {
            if key == "engagements" {
                let events: Vec<Value> = split(&value)
                    .as_array()
                    .map(|kinds| {
                        kinds
                            .iter()
                            .map(|k| json!({ "kind": "engagement", "engagement": k, "occurredAt": "2020-01-01T00:00:00Z" }))
                            .collect()
                    })
                    .unwrap_or_default();
                lead.insert("events".into(), json!(events));
            } else {
                lead.insert(key, value);
            }
        }
    }
    json!({ "lead": lead })
}

fn lead_type_choices(d: &Value) -> Vec<(String, String)> {
    list(d, "leadTypes")
        .iter()
        .filter(|t| at(t, "active").as_bool().unwrap_or(true))
        .map(|t| (text(t, "key"), text(t, "label")))
        .collect()
}

/// A sample lead's form and what the server answers for it (`show` draws the answer).
#[component]
fn SamplePreview(
    title: &'static str,
    prefix: &'static str,
    query: &'static str,
    lead_types: Vec<(String, String)>,
    show: fn(&Value) -> AnyView,
) -> impl IntoView {
    let answer = RwSignal::new(None::<Value>);
    let first = lead_types
        .first()
        .map(|(k, _)| k.clone())
        .unwrap_or_default();
    let controls: Vec<Control> = vec![
        control("email", "Sample e-mail", Kind::Text),
        control("leadType", "Sample lead type", Kind::Choice(lead_types)),
        control("title", "Job title", Kind::OptText),
        control("companySize", "Company size", Kind::Number),
        control("industry", "Industry", Kind::OptText),
        control("country", "Country", Kind::OptText),
        control("region", "Region", Kind::OptText),
        control("source", "Source", Kind::OptText),
        control(
            "engagements",
            "Engagement so far (comma-separated, e.g. pricing_page, webinar_attended)",
            Kind::OptText,
        ),
    ];
    view! {
        <JsonForm title=title.to_owned() prefix controls
            initial=json!({ "email": "sample@example.com", "leadType": first })
            mutation=query vars=sample submit="Preview"
            on_saved=Callback::new(move |d: Value| answer.set(Some(d)))/>
        <div class="panel" aria-live="polite" data-testid=format!("{prefix}-result")>
            {move || answer.with(|a| a.as_ref().map(show))}
        </div>
    }
}

fn show_score(d: &Value) -> AnyView {
    let p = at(d, "scorePreview");
    let verdict = if at(p, "disqualified").as_bool().unwrap_or(false) {
        "Disqualified on arrival: a competitor's address.".to_owned()
    } else if at(p, "mql").as_bool().unwrap_or(false) {
        match at(p, "mqlReason").as_str() {
            Some("instant_type") => "An MQL at once: its lead type qualifies on arrival.",
            _ => "An MQL at once: the score reaches the threshold.",
        }
        .to_owned()
    } else {
        "Not an MQL yet.".to_owned()
    };
    let flags = list(p, "redFlags")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    let rows = list(p, "breakdown")
        .iter()
        .map(|l| vec![text(l, "rule"), text(l, "points"), text(l, "times")])
        .collect();
    view! {
        <p data-testid="score-preview-total">
            <strong>{format!("Score {} (threshold {})", text(p, "score"), text(p, "threshold"))}</strong>
        </p>
        <p data-testid="score-preview-verdict">{verdict}</p>
        {(!flags.is_empty()).then(|| view! { <p>"Red flags: " {flags}</p> })}
        <DataTable testid="score-preview-breakdown" headers=vec!["Rule", "Points", "Times"] rows/>
    }
    .into_any()
}

fn show_route(d: &Value) -> AnyView {
    let p = at(d, "routePreview");
    let owner = at(p, "owner");
    let team = text(at(p, "team"), "name");
    let whom = if owner.is_null() {
        format!("Would wait in the {team} queue.")
    } else {
        format!(
            "Would go to {} ({}) in team {team}.",
            text(owner, "name"),
            text(owner, "email")
        )
    };
    let rule = at(p, "rule")
        .as_str()
        .map_or_else(|| "no rule (fallback)".to_owned(), |r| format!("rule {r}"));
    view! {
        <p data-testid="route-preview-owner"><strong>{whom}</strong></p>
        <p data-testid="route-preview-step">{format!("Decided by {rule}, step {}.", text(p, "method"))}</p>
        {at(p, "detail").as_str().map(|d| view! { <p class="muted">{d.to_owned()}</p> })}
    }
    .into_any()
}

fn page(
    title: &'static str,
    id: &'static str,
    query: &'static str,
    render: impl Fn(Value, Callback<Value>) -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let reload = RwSignal::new(0_u32);
    let notice = RwSignal::new(None::<String>);
    let saved = Callback::new(move |_: Value| {
        notice.set(Some("Rule saved.".to_owned()));
        reload.update(|r| *r += 1);
    });
    let render = Callback::new(move |d: Value| render(d, saved));
    view! {
        <section class="panel admin" aria-labelledby=id>
            <h1 id=id>{title}</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="admin-saved">{n}</p> })}
            <JsonLoad query reload render/>
        </section>
    }
}

#[component]
pub fn ScoringPage() -> impl IntoView {
    page("Scoring rules", "scoring-title", SCORING, |d, saved| {
        let rules = list(&d, "scoringRules").to_vec();
        let rows = rules
            .iter()
            .map(|r| {
                [
                    "name",
                    "points",
                    "field",
                    "operator",
                    "value",
                    "engagement",
                    "maxTimes",
                    "active",
                ]
                .iter()
                .map(|k| text(r, k))
                .collect()
            })
            .collect();
        let fields = options(&[
            ("", "None (a behavioural rule)"),
            ("title", "Job title"),
            ("companySize", "Company size"),
            ("industry", "Industry"),
            ("country", "Country"),
            ("region", "Region"),
            ("source", "Source"),
            ("campaign", "Campaign"),
            ("leadType", "Lead type"),
            ("email_domain", "E-mail domain"),
        ]);
        let operators = options(&[
            ("", "None"),
            ("equals", "equals"),
            ("in", "is one of"),
            ("between", "between (min,max)"),
            ("contains", "contains"),
            ("contains_any", "contains any of"),
        ]);
        view! {
            <DataTable testid="scoring-list"
                headers=vec!["Rule", "Points", "Attribute", "Operator", "Value", "Engagement", "Max times", "Active"]
                rows/>
            <Editor pick_label="Scoring rule to edit" new_label="New scoring rule" items=rules id_key="id"
                label_key="name" prefix="scoring" to_initial=scoring_initial mutation=SCORING_RULE vars=input
                submit="Save rule" on_saved=saved
                controls=vec![
                    control("name", "Rule name", Kind::Text),
                    control("points", "Points (negative lowers the score)", Kind::Number),
                    control("field", "Lead attribute (firmographic)", fields),
                    control("operator", "Operator", operators),
                    control("value", "Compared with (lists comma-separated)", Kind::OptText),
                    control("engagement", "Engagement (behavioural), e.g. pricing_page", Kind::OptText),
                    control("maxTimes", "Counted at most (times)", Kind::Number),
                    control("active", "Active", Kind::Check),
                ]/>
            <SamplePreview title="Score a sample lead" prefix="score-preview" query=SCORE_PREVIEW
                lead_types=lead_type_choices(&d) show=show_score/>
        }
        .into_any()
    })
}

#[component]
pub fn RoutingPage() -> impl IntoView {
    page("Routing rules", "routing-title", ROUTING, |d, saved| {
        let rules: Vec<Value> = list(&d, "routingRules").to_vec();
        let rows = rules
            .iter()
            .map(|r| {
                let joined = |k: &str| {
                    let items: Vec<&str> = list(r, k).iter().filter_map(Value::as_str).collect();
                    if items.is_empty() {
                        "any".to_owned()
                    } else {
                        items.join(", ")
                    }
                };
                vec![
                    text(r, "name"),
                    text(r, "priority"),
                    joined("leadTypes"),
                    joined("countries"),
                    joined("regions"),
                    joined("industries"),
                    match (at(r, "minCompanySize"), at(r, "maxCompanySize")) {
                        (Value::Null, Value::Null) => "any".to_owned(),
                        (_, Value::Null) => format!("≥ {}", text(r, "minCompanySize")),
                        (Value::Null, _) => format!("≤ {}", text(r, "maxCompanySize")),
                        _ => format!(
                            "{}–{}",
                            text(r, "minCompanySize"),
                            text(r, "maxCompanySize")
                        ),
                    },
                    text(r, "method"),
                    text(at(r, "team"), "name"),
                    text(r, "queueOnly"),
                    text(r, "active"),
                ]
            })
            .collect();
        let teams = choices(list(&d, "teams"), "name", Some("None"));
        view! {
            <DataTable testid="routing-list"
                headers=vec!["Rule", "Priority", "Lead types", "Countries", "Regions", "Industries", "Company size", "Method", "Team", "Queue only", "Active"]
                rows/>
            <Editor pick_label="Routing rule to edit" new_label="New routing rule" items=rules id_key="id"
                label_key="name" prefix="routing" to_initial=routing_initial mutation=ROUTING_RULE
                vars=routing_input submit="Save rule" on_saved=saved
                controls=vec![
                    control("name", "Rule name", Kind::Text),
                    control("priority", "Priority (lower runs first)", Kind::Number),
                    control("leadTypes", "Lead types (comma-separated; empty: any)", Kind::OptText),
                    control("countries", "Countries (comma-separated; empty: any)", Kind::OptText),
                    control("regions", "Regions (comma-separated; empty: any)", Kind::OptText),
                    control("industries", "Industries (comma-separated; empty: any)", Kind::OptText),
                    control("minCompanySize", "Smallest company size", Kind::Number),
                    control("maxCompanySize", "Largest company size", Kind::Number),
                    control("method", "Method", options(&[
                        ("ROUND_ROBIN", "Weighted round robin"),
                        ("LOAD_BALANCED", "Fewest open leads"),
                        ("ACCOUNT_OWNER", "Account owner, else round robin"),
                    ])),
                    control("teamId", "Team", Kind::Choice(teams)),
                    control("queueOnly", "Leave leads in the team's queue", Kind::Check),
                    control("active", "Active", Kind::Check),
                ]/>
            <SamplePreview title="Route a sample lead" prefix="route-preview" query=ROUTE_PREVIEW
                lead_types=lead_type_choices(&d) show=show_route/>
        }
        .into_any()
    })
}
