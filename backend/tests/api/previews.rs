//! `scorePreview` and `routePreview`: what intake would do with a sample lead, answered by the
//! same code as `ingestLeads`, with nothing written and no round-robin turn used up.

use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_field, spawn_app};
use crate::intake::{ingest, lead, rep, set_out_of_office};

const SCORE: &str = "query($lead: LeadInput!) { scorePreview(lead: $lead) { score threshold mql mqlReason redFlags disqualified breakdown { rule points times } } }";
const ROUTE: &str = "query($lead: LeadInput!) { routePreview(lead: $lead) { owner { id email } team { name } method rule detail } }";

async fn preview(app: &TestApp, token: &str, query: &str, lead: Value) -> Value {
    let response = app
        .graphql(Some(token), query, json!({ "lead": lead }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]
        .as_object()
        .and_then(|o| o.values().next())
        .cloned()
        .unwrap_or(Value::Null)
}

async fn lead_count(app: &TestApp, admin: &str) -> i64 {
    let response = app
        .graphql(Some(admin), "{ leads { totalCount } }", json!({}))
        .await;
    response["data"]["leads"]["totalCount"].as_i64().unwrap()
}

#[tokio::test]
async fn score_preview_gives_the_score_intake_gives_and_writes_nothing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // Title +20, size +25, the download itself +10 = 55: below the threshold of 75.
    let sample = json!({ "externalId": "", "email": "vp@example.com", "leadType": "content_download",
                         "title": "VP Sales", "companySize": 300 });
    let got = preview(&app, &admin, SCORE, sample.clone()).await;
    assert_eq!(got["score"], 55, "{got}");
    assert_eq!(got["threshold"], 75);
    assert_eq!(got["mql"], false);
    assert!(got["mqlReason"].is_null());
    assert_eq!(got["breakdown"].as_array().unwrap().len(), 3, "{got}");

    // Two pricing-page visits in its history: +30, an MQL by threshold.
    let mut engaged = sample.clone();
    engaged["externalId"] = json!("p-1");
    engaged["events"] = json!([
        { "kind": "engagement", "engagement": "pricing_page", "occurredAt": "2026-01-05T10:00:00Z" },
        { "kind": "engagement", "engagement": "pricing_page", "occurredAt": "2026-01-06T10:00:00Z" },
    ]);
    let got = preview(&app, &admin, SCORE, engaged.clone()).await;
    assert_eq!(got["score"], 85, "{got}");
    assert_eq!(got["mql"], true);
    assert_eq!(got["mqlReason"], "threshold");
    assert_eq!(
        lead_count(&app, &admin).await,
        0,
        "a preview writes no lead"
    );

    let ingested = ingest(&app, &admin, json!([engaged])).await;
    assert_eq!(ingested["leads"][0]["score"], got["score"]);
    assert_eq!(ingested["leads"][0]["status"], "MQL");
}

#[tokio::test]
async fn a_demo_request_previews_as_an_instant_mql_and_free_mail_costs_points() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let got = preview(
        &app,
        &admin,
        SCORE,
        lead("", "someone@gmail.com", "demo_request"),
    )
    .await;
    assert_eq!(got["mql"], true, "{got}");
    assert_eq!(got["mqlReason"], "instant_type");
    assert_eq!(got["redFlags"], json!(["free_mail"]));
    assert_eq!(got["score"], 50 - 10, "demo request +50, free mail -10");
}

#[tokio::test]
async fn score_preview_checks_fields_like_intake_and_is_for_admins_and_marketing() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let bad = app
        .graphql(
            Some(&admin),
            SCORE,
            json!({ "lead": lead("x", "not-an-email", "demo_request") }),
        )
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT", "{bad}");
    assert_eq!(error_field(&bad), "email");
    let (_, rep_token) = rep(&app, "rep@handoff.test").await;
    for query in [SCORE, ROUTE] {
        let denied = app
            .graphql(
                Some(&rep_token),
                query,
                json!({ "lead": lead("x", "a@b.com", "demo_request") }),
            )
            .await;
        assert_eq!(error_code(&denied), "FORBIDDEN", "{denied}");
    }
}

#[tokio::test]
async fn route_preview_names_the_next_rep_without_using_up_their_turn() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a, _) = rep(&app, "a@handoff.test").await;
    let (b, _) = rep(&app, "b@handoff.test").await;
    let (c, _) = rep(&app, "c@handoff.test").await;
    set_out_of_office(&app, &admin, &c, true).await;
    let sample = lead("", "buyer@corp.com", "demo_request");

    let first = preview(&app, &admin, ROUTE, sample.clone()).await;
    let next = first["owner"]["id"].as_str().unwrap().to_owned();
    assert!(next == a || next == b, "{first}");
    assert_eq!(first["method"], "round_robin", "{first}");
    assert_eq!(first["team"]["name"], "default");
    assert!(
        first["detail"]
            .as_str()
            .unwrap()
            .contains("c@handoff.test (out of office)"),
        "{first}"
    );
    let again = preview(&app, &admin, ROUTE, sample.clone()).await;
    assert_eq!(again["owner"]["id"], first["owner"]["id"], "not advanced");

    let ingested = ingest(
        &app,
        &admin,
        json!([lead("r-1", "buyer@corp.com", "demo_request")]),
    )
    .await;
    assert_eq!(
        ingested["leads"][0]["owner"]["id"],
        next.as_str(),
        "intake agrees"
    );
    let after = preview(
        &app,
        &admin,
        ROUTE,
        lead("", "other@else.com", "demo_request"),
    )
    .await;
    assert_ne!(
        after["owner"]["id"],
        next.as_str(),
        "the turn moved on: {after}"
    );
}

#[tokio::test]
async fn route_preview_names_the_territory_rule_that_decides() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let team = app
        .graphql(
            Some(&admin),
            "mutation { upsertTeam(input: { name: \"emea\" }) { id } }",
            json!({}),
        )
        .await["data"]["upsertTeam"]["id"]
        .clone();
    let berlin = app
        .create_user(json!({ "email": "berlin@handoff.test", "name": "Berlin", "role": "REP", "teamId": team }))
        .await;
    let rule = app
        .graphql(
            Some(&admin),
            "mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) { id } }",
            json!({ "input": { "name": "DACH", "priority": 1, "countries": ["DE", "AT"], "teamId": team } }),
        )
        .await;
    assert!(rule["errors"].is_null(), "{rule}");
    let mut sample = lead("", "cto@firma.de", "demo_request");
    sample["country"] = json!("DE");
    let got = preview(&app, &admin, ROUTE, sample).await;
    assert_eq!(got["owner"]["id"], berlin["id"], "{got}");
    assert_eq!(got["rule"], "DACH");
    assert_eq!(got["method"], "round_robin");
    assert_eq!(got["team"]["name"], "emea");
}
