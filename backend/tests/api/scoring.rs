//! Scoring to MQL: rules, engagement caps, red flags, the threshold.

use serde_json::json;

use crate::helpers::{error_code, spawn_app};
use crate::intake::{LEAD_FIELDS, ingest, kinds, lead, rep};

#[tokio::test]
async fn engagement_that_crosses_the_threshold_makes_an_mql_and_routes_it() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (rep_id, _) = rep(&app, "rep1@handoff.test").await;
    // Title +20, size +25, the content download itself +10 = 55.
    let created = ingest(
        &app,
        &admin,
        json!([{ "externalId": "t-1", "email": "di@example.com", "leadType": "content_download",
                 "title": "VP Sales", "companySize": 300 }]),
    )
    .await;
    let lead = &created["leads"][0];
    assert_eq!(lead["status"], "NEW");
    assert_eq!(lead["score"], 55);
    let rules: Vec<(String, i64, i64)> = lead["scoreBreakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            (
                l["rule"].as_str().unwrap().to_owned(),
                l["points"].as_i64().unwrap(),
                l["times"].as_i64().unwrap(),
            )
        })
        .collect();
    assert_eq!(rules.len(), 3, "{rules:?}");
    assert_eq!(rules.iter().map(|r| r.1).sum::<i64>(), 55);

    let record = format!(
        "mutation($input: EngagementInput!) {{ recordEngagement(input: $input) {{ {LEAD_FIELDS} }} }}"
    );
    let first = app
        .graphql(
            Some(&admin),
            &record,
            json!({ "input": { "leadId": lead["id"], "engagement": "pricing_page" } }),
        )
        .await;
    assert_eq!(first["data"]["recordEngagement"]["score"], 70, "{first}");
    assert_eq!(first["data"]["recordEngagement"]["status"], "NEW");
    let second = app
        .graphql(
            Some(&admin),
            &record,
            json!({ "input": { "email": "DI@example.com", "engagement": "pricing_page" } }),
        )
        .await;
    let lead = &second["data"]["recordEngagement"];
    assert_eq!(lead["score"], 85, "{second}");
    assert_eq!(lead["status"], "MQL");
    assert_eq!(lead["owner"]["id"], rep_id.as_str());
    let pricing = lead["scoreBreakdown"]
        .as_array()
        .unwrap()
        .iter()
        .find(|l| l["times"] == 2)
        .expect("pricing page counted twice");
    assert_eq!(pricing["points"], 30);

    let missing = app
        .graphql(
            Some(&admin),
            &record,
            json!({ "input": { "email": "nobody@example.com", "engagement": "pricing_page" } }),
        )
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
}

#[tokio::test]
async fn red_flags_lower_the_score_and_competitors_are_disqualified() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .graphql(
            Some(&admin),
            "mutation($input: DomainListInput!) { upsertDomainList(input: $input) { list domains } }",
            json!({ "input": { "list": "competitor", "domains": ["Rival.com", "rival.com"] } }),
        )
        .await;
    assert_eq!(
        response["data"]["upsertDomainList"]["domains"],
        json!(["rival.com"]),
        "{response}"
    );
    let result = ingest(
        &app,
        &admin,
        json!([
            lead("f-1", "eve@gmail.com", "webinar"),
            lead("c-1", "spy@eu.rival.com", "demo_request")
        ]),
    )
    .await;
    let free = &result["leads"][0];
    assert_eq!(free["score"], -10);
    assert!(kinds(free).contains(&"red_flag".to_owned()));
    let rival = &result["leads"][1];
    assert_eq!(rival["status"], "DISQUALIFIED");
    assert!(rival["owner"].is_null(), "a competitor is never routed");
}

#[tokio::test]
async fn admin_rules_add_and_subtract_points_and_the_breakdown_says_which() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    rep(&app, "a@handoff.test").await;
    let upsert = "mutation($input: ScoringRuleInput!) { upsertScoringRule(input: $input) { id } }";
    for input in [
        json!({ "name": "Students", "points": -30, "field": "title", "operator": "contains", "value": "student" }),
        json!({ "name": "Target industries", "points": 40, "field": "industry", "operator": "in", "value": "saas,fintech" }),
    ] {
        let response = app
            .graphql(Some(&admin), upsert, json!({ "input": input }))
            .await;
        assert!(response["errors"].is_null(), "{response}");
    }
    let result = ingest(
        &app,
        &admin,
        json!([
            { "externalId": "s-1", "email": "kim@saas.io", "leadType": "webinar", "industry": "SaaS",
              "title": "Head of Growth", "companySize": 120 },
            { "externalId": "s-2", "email": "lee@uni.edu", "leadType": "webinar", "industry": "SaaS",
              "title": "PhD Student" },
        ]),
    )
    .await;
    let qualified = &result["leads"][0];
    // Senior title 20 + size 25 + industry 40 = 85 >= 75.
    assert_eq!(qualified["score"], 85, "{qualified}");
    assert_eq!(qualified["status"], "MQL");
    let mql = qualified["history"]
        .as_array()
        .unwrap()
        .iter()
        .find(|e| e["kind"] == "mql")
        .unwrap();
    assert!(
        mql["detail"].as_str().unwrap().contains("threshold"),
        "{mql}"
    );
    let student = &result["leads"][1];
    assert_eq!(student["score"], 10);
    assert_eq!(student["status"], "NEW");
    let lines: Vec<(&str, i64)> = student["scoreBreakdown"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["rule"].as_str().unwrap(), l["points"].as_i64().unwrap()))
        .collect();
    assert_eq!(lines, [("Students", -30), ("Target industries", 40)]);
    assert!(kinds(student).contains(&"scored".to_owned()));
}
