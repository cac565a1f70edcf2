//! Routing through `ingestLeads`: round robin with out-of-office and capacity skipping, no
//! catch-up flood, queue teams, the fallback queue, account owners, and concurrent intakes.

use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};
use crate::intake::{ingest, lead, rep, set_out_of_office};

async fn routing_rule(app: &TestApp, admin: &str, input: Value) {
    let response = app
        .graphql(
            Some(admin),
            "mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) { id } }",
            json!({ "input": input }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

async fn team(app: &TestApp, admin: &str, name: &str, is_queue: bool) -> String {
    let response = app
        .graphql(
            Some(admin),
            "mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }",
            json!({ "input": { "name": name, "isQueue": is_queue } }),
        )
        .await;
    response["data"]["upsertTeam"]["id"]
        .as_str()
        .expect("team id")
        .to_owned()
}

#[tokio::test]
async fn round_robin_skips_reps_out_of_office_and_shares_evenly() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a, _) = rep(&app, "a@handoff.test").await;
    let (b, _) = rep(&app, "b@handoff.test").await;
    let (c, _) = rep(&app, "c@handoff.test").await;
    set_out_of_office(&app, &admin, &c, true).await;
    let batch: Vec<Value> = (0..10)
        .map(|i| {
            lead(
                &format!("rr-{i}"),
                &format!("p{i}@corp{i}.com"),
                "demo_request",
            )
        })
        .collect();
    let result = ingest(&app, &admin, json!(batch)).await;
    let owners: Vec<&str> = result["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["owner"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(owners.iter().filter(|o| **o == a).count(), 5, "{owners:?}");
    assert_eq!(owners.iter().filter(|o| **o == b).count(), 5, "{owners:?}");
    let detail = result["leads"][0]["history"][3]["detail"].as_str().unwrap();
    assert!(
        detail.contains("c@handoff.test (out of office)"),
        "{detail}"
    );

    // Back from holiday: c takes its turn from now on, not ten leads to catch up.
    set_out_of_office(&app, &admin, &c, false).await;
    let batch: Vec<Value> = (10..16)
        .map(|i| {
            lead(
                &format!("rr-{i}"),
                &format!("p{i}@corp{i}.com"),
                "demo_request",
            )
        })
        .collect();
    let result = ingest(&app, &admin, json!(batch)).await;
    let c_count = result["leads"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|l| l["owner"]["id"] == c.as_str())
        .count();
    assert!(
        (2..=3).contains(&c_count),
        "one turn a round, not a flood: {result}"
    );
}

#[tokio::test]
async fn a_rep_at_capacity_is_skipped() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let full = app
        .create_user(json!({ "email": "full@handoff.test", "name": "Full", "password": "a-good-password", "role": "REP", "capacity": 1 }))
        .await;
    let (other, _) = rep(&app, "other@handoff.test").await;
    let batch: Vec<Value> = (0..4)
        .map(|i| {
            lead(
                &format!("cap-{i}"),
                &format!("p{i}@corp{i}.com"),
                "demo_request",
            )
        })
        .collect();
    let result = ingest(&app, &admin, json!(batch)).await;
    let owners: Vec<&str> = result["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["owner"]["id"].as_str().unwrap())
        .collect();
    assert_eq!(
        owners
            .iter()
            .filter(|o| **o == full["id"].as_str().unwrap())
            .count(),
        1,
        "{owners:?}"
    );
    assert_eq!(owners.iter().filter(|o| **o == other).count(), 3);
}

#[tokio::test]
async fn queue_teams_hold_leads_for_reps_to_claim_and_nobody_available_falls_back_to_the_default_queue()
 {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let emea = team(&app, &admin, "EMEA inbound", true).await;
    routing_rule(
        &app,
        &admin,
        json!({ "name": "EMEA", "priority": 1, "countries": ["DE", "FR"], "teamId": emea }),
    )
    .await;
    let result = ingest(
        &app,
        &admin,
        json!([
            { "externalId": "q-1", "email": "hans@firma.de", "leadType": "demo_request", "country": "de" },
            lead("q-2", "joe@corp.com", "demo_request"),
        ]),
    )
    .await;
    let queued = &result["leads"][0];
    assert!(queued["owner"].is_null());
    assert_eq!(queued["team"]["name"], "EMEA inbound");
    assert_eq!(queued["status"], "MQL");
    // Nobody in the default team: its queue, never nobody.
    let fallback = &result["leads"][1];
    assert!(fallback["owner"].is_null());
    assert_eq!(fallback["team"]["name"], "default");
    let detail = fallback["history"][3]["detail"].as_str().unwrap();
    assert!(detail.contains("fallback"), "{detail}");
}

#[tokio::test]
async fn the_account_owner_gets_leads_from_their_company() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    rep(&app, "a@handoff.test").await;
    rep(&app, "b@handoff.test").await;
    routing_rule(
        &app,
        &admin,
        json!({ "name": "Accounts", "priority": 0, "method": "ACCOUNT_OWNER" }),
    )
    .await;
    let first = ingest(
        &app,
        &admin,
        json!([lead("ao-1", "one@bigco.com", "demo_request")]),
    )
    .await;
    let owner = first["leads"][0]["owner"]["id"].clone();
    let next = ingest(
        &app,
        &admin,
        json!([
            lead("ao-2", "two@bigco.com", "demo_request"),
            lead("ao-3", "three@bigco.com", "demo_request")
        ]),
    )
    .await;
    for lead in next["leads"].as_array().unwrap() {
        assert_eq!(lead["owner"]["id"], owner, "{lead}");
    }
}

#[tokio::test]
async fn concurrent_intakes_assign_each_lead_once_and_keep_round_robin_fair() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let mut reps = Vec::new();
    for i in 0..3 {
        reps.push(rep(&app, &format!("r{i}@handoff.test")).await.0);
    }
    let calls = (0..4).map(|call| {
        let app = &app;
        let admin = admin.clone();
        async move {
            let batch: Vec<Value> = (0..30)
                .map(|i| {
                    lead(
                        &format!("cc-{call}-{i}"),
                        &format!("p{call}x{i}@corp{call}x{i}.com"),
                        "demo_request",
                    )
                })
                .collect();
            ingest(app, &admin, json!(batch)).await
        }
    });
    let results = futures_util::future::join_all(calls).await;
    let mut counts = std::collections::HashMap::new();
    for result in &results {
        assert_eq!(result["created"], 30, "{result}");
        for lead in result["leads"].as_array().unwrap() {
            let owner = lead["owner"]["id"]
                .as_str()
                .expect("every lead owned")
                .to_owned();
            *counts.entry(owner).or_insert(0) += 1;
        }
    }
    let assigned: usize = counts.values().sum();
    assert_eq!(assigned, 120);
    let max = counts.values().max().unwrap();
    let min = counts.values().min().unwrap();
    assert!(max - min <= 1, "{counts:?}");
    assert_eq!(counts.len(), reps.len());
    // One Assigned event per lead, however the calls interleaved.
    use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
    let events = handoff::entities::lead_events::Entity::find()
        .filter(handoff::entities::lead_events::Column::Kind.eq("assigned"))
        .count(app.db())
        .await
        .unwrap();
    assert_eq!(events, 120);
}

#[tokio::test]
async fn load_balanced_rules_pick_the_rep_with_the_fewest_open_leads() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a, _) = rep(&app, "a@handoff.test").await;
    let (b, _) = rep(&app, "b@handoff.test").await;
    // a gets two leads first (round robin gives a, b, a).
    ingest(
        &app,
        &admin,
        json!([
            lead("lb-1", "x1@c1.com", "demo_request"),
            lead("lb-2", "x2@c2.com", "demo_request"),
            lead("lb-3", "x3@c3.com", "demo_request")
        ]),
    )
    .await;
    let teams = app
        .graphql(Some(&admin), "{ teams { id name } }", json!({}))
        .await;
    let default = teams["data"]["teams"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["name"] == "default")
        .unwrap()["id"]
        .clone();
    routing_rule(
        &app,
        &admin,
        json!({ "name": "Balanced", "priority": 1, "method": "LOAD_BALANCED", "teamId": default }),
    )
    .await;
    let result = ingest(
        &app,
        &admin,
        json!([lead("lb-4", "x4@c4.com", "demo_request")]),
    )
    .await;
    assert_eq!(
        result["leads"][0]["owner"]["id"],
        b.as_str(),
        "b has 1 open lead, a has 2"
    );
    assert_ne!(a, b);
}
