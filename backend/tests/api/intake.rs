//! `ingestLeads`, `recordEngagement` and reading leads: intake, data quality, scoring to MQL,
//! routing, backfill and visibility, through the HTTP API.

use chrono::{Duration, Utc};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_field, spawn_app};

pub const LEAD_FIELDS: &str = "id externalId email status score leadType owner { id email } team { id name } mqlAt assignedAt salAt disqualifiedAt scoreBreakdown { rule points times } history { kind fromStatus toStatus detail actor { id } }";

pub fn ingest_query() -> String {
    format!(
        "mutation($leads: [LeadInput!]!) {{ ingestLeads(leads: $leads) {{ created updated errors {{ index externalId field message }} leads {{ {LEAD_FIELDS} }} }} }}"
    )
}

/// Ingests as `token` and returns `data.ingestLeads`, failing on a top-level error.
pub async fn ingest(app: &TestApp, token: &str, leads: Value) -> Value {
    let response = app
        .graphql(Some(token), &ingest_query(), json!({ "leads": leads }))
        .await;
    assert!(
        response["errors"].is_null(),
        "ingestLeads failed: {response}"
    );
    response["data"]["ingestLeads"].clone()
}

pub fn lead(external_id: &str, email: &str, lead_type: &str) -> Value {
    json!({ "externalId": external_id, "email": email, "leadType": lead_type })
}

pub fn kinds(lead: &Value) -> Vec<String> {
    lead["history"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["kind"].as_str().unwrap().to_owned())
        .collect()
}

pub async fn rep(app: &TestApp, email: &str) -> (String, String) {
    app.user_with_token(email, "REP").await
}

pub async fn set_out_of_office(app: &TestApp, admin: &str, user_id: &str, out: bool) {
    let response = app
        .graphql(
            Some(admin),
            "mutation($id: ID!, $out: Boolean!) { setOutOfOffice(userId: $id, outOfOffice: $out) { id } }",
            json!({ "id": user_id, "out": out }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test]
async fn a_demo_request_is_an_mql_at_once_and_assigned() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (rep_id, _) = rep(&app, "rep1@handoff.test").await;

    let result = ingest(
        &app,
        &admin,
        json!([{ "externalId": "hs-1", "email": "  Ada@Example.COM ", "leadType": "demo_request",
                 "title": "VP Engineering", "companySize": 200, "source": "website" }]),
    )
    .await;
    assert_eq!(result["created"], 1);
    assert_eq!(result["errors"], json!([]));
    let lead = &result["leads"][0];
    assert_eq!(lead["email"], "ada@example.com", "trimmed and lower-cased");
    assert_eq!(lead["status"], "MQL");
    assert_eq!(lead["owner"]["id"], rep_id.as_str());
    assert_eq!(lead["team"]["name"], "default");
    assert!(lead["mqlAt"].is_string() && lead["assignedAt"].is_string());
    let history = kinds(lead);
    assert_eq!(history[..4], ["created", "scored", "mql", "assigned"]);
    assert!(
        history[4..].iter().all(|k| k == "sla"),
        "clocks start at assignment: {history:?}"
    );
    let mql = &lead["history"][2];
    assert_eq!(
        (mql["fromStatus"].as_str(), mql["toStatus"].as_str()),
        (Some("NEW"), Some("MQL"))
    );
    let assigned = lead["history"][3]["detail"].as_str().unwrap();
    assert!(assigned.contains("round_robin"), "{assigned}");
}

#[tokio::test]
async fn re_sending_a_lead_updates_it_and_never_duplicates() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let item = json!({ "externalId": "crm-7", "email": "bo@example.com", "leadType": "webinar", "title": "Engineer" });
    let first = ingest(&app, &admin, json!([item])).await;
    let again = ingest(&app, &admin, json!([item])).await;
    assert_eq!(
        (first["created"].as_i64(), first["updated"].as_i64()),
        (Some(1), Some(0))
    );
    assert_eq!(
        (again["created"].as_i64(), again["updated"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(first["leads"][0]["id"], again["leads"][0]["id"]);
    assert!(
        !kinds(&again["leads"][0]).contains(&"updated".to_owned()),
        "an unchanged re-send writes no event"
    );

    let mut changed = item.clone();
    changed["title"] = json!("Director of Engineering");
    let third = ingest(&app, &admin, json!([changed])).await;
    let history = kinds(&third["leads"][0]);
    assert_eq!(
        history.iter().filter(|k| *k == "updated").count(),
        1,
        "{history:?}"
    );
    assert!(
        third["leads"][0]["score"].as_i64().unwrap() > first["leads"][0]["score"].as_i64().unwrap()
    );

    let count = app
        .graphql(Some(&admin), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(count["data"]["leads"]["totalCount"], 1, "{count}");
}

#[tokio::test]
async fn bad_items_are_reported_with_index_and_field_while_good_ones_are_stored() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let future = (Utc::now() + Duration::hours(2)).to_rfc3339();
    let result = ingest(
        &app,
        &admin,
        json!([
            lead("ok-1", "one@example.com", "webinar"),
            lead("bad-email", "not-an-address", "webinar"),
            lead("bad-type", "two@example.com", "no_such_type"),
            { "externalId": "bad-size", "email": "three@example.com", "leadType": "webinar", "companySize": -1 },
            { "externalId": "bad-time", "email": "four@example.com", "leadType": "webinar", "occurredAt": future },
            { "externalId": "bad-event", "email": "five@example.com", "leadType": "webinar",
              "events": [{ "kind": "accepted", "occurredAt": "2026-01-05T10:00:00Z" }] },
            { "externalId": "bad-owner", "email": "six@example.com", "leadType": "webinar",
              "events": [{ "kind": "mql", "occurredAt": "2026-01-05T10:00:00Z" },
                         { "kind": "assigned", "occurredAt": "2026-01-05T10:01:00Z", "ownerEmail": "ghost@example.com" }] },
            lead("ok-2", "seven@example.com", "content_download"),
        ]),
    )
    .await;
    assert_eq!(result["created"], 2);
    let stored: Vec<&str> = result["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["externalId"].as_str().unwrap())
        .collect();
    assert_eq!(stored, ["ok-1", "ok-2"], "input order, failed left out");
    let errors: Vec<(i64, &str, &str)> = result["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| {
            (
                e["index"].as_i64().unwrap(),
                e["externalId"].as_str().unwrap(),
                e["field"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        errors,
        [
            (1, "bad-email", "email"),
            (2, "bad-type", "leadType"),
            (3, "bad-size", "companySize"),
            (4, "bad-time", "occurredAt"),
            (5, "bad-event", "events[0].kind"),
            (6, "bad-owner", "events[1].ownerEmail"),
        ]
    );
    let count = app
        .graphql(Some(&admin), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(
        count["data"]["leads"]["totalCount"], 2,
        "nothing half-written"
    );
}

#[tokio::test]
async fn more_than_a_thousand_leads_is_bad_user_input_on_leads() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let leads: Vec<Value> = (0..1001)
        .map(|i| lead(&format!("x-{i}"), &format!("p{i}@example.com"), "webinar"))
        .collect();
    let response = app
        .graphql(Some(&admin), &ingest_query(), json!({ "leads": leads }))
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(error_field(&response), "leads");
}

#[tokio::test]
async fn only_admins_marketing_ops_and_integrations_ingest() {
    let app = spawn_app().await;
    let (_, rep_token) = rep(&app, "rep1@handoff.test").await;
    let (_, ops) = app
        .user_with_token("ops@handoff.test", "MARKETING_OPS")
        .await;
    let response = app
        .graphql(
            Some(&rep_token),
            &ingest_query(),
            json!({ "leads": [lead("a", "a@example.com", "webinar")] }),
        )
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN");
    let ok = ingest(&app, &ops, json!([lead("a", "a@example.com", "webinar")])).await;
    assert_eq!(ok["created"], 1);
}

#[tokio::test]
async fn a_new_external_id_with_the_email_of_an_open_lead_merges_as_engagement() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let first = ingest(
        &app,
        &admin,
        json!([lead("a-1", "cy@example.com", "webinar")]),
    )
    .await;
    let at = "2026-01-10T09:00:00Z";
    let item = json!({ "externalId": "b-9", "email": "CY@example.com", "leadType": "content_download", "occurredAt": at });
    let merged = ingest(&app, &admin, json!([item])).await;
    assert_eq!(
        (merged["created"].as_i64(), merged["updated"].as_i64()),
        (Some(0), Some(1))
    );
    assert_eq!(merged["leads"][0]["id"], first["leads"][0]["id"]);
    let again = ingest(&app, &admin, json!([item])).await;
    let engagements = kinds(&again["leads"][0])
        .iter()
        .filter(|k| *k == "engagement")
        .count();
    assert_eq!(engagements, 1, "the same merge sent twice counts once");
    let count = app
        .graphql(Some(&admin), "{ leads { totalCount } }", json!({}))
        .await;
    assert_eq!(count["data"]["leads"]["totalCount"], 1);
}

#[tokio::test]
async fn backfilled_history_is_the_truth_and_automation_fills_only_what_it_lacks() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a, _) = rep(&app, "a@handoff.test").await;
    rep(&app, "b@handoff.test").await;
    let result = ingest(
        &app,
        &admin,
        json!([{
            "externalId": "bf-1", "email": "old@example.com", "leadType": "webinar",
            "occurredAt": "2026-01-05T09:00:00Z",
            "events": [
                { "kind": "accepted", "occurredAt": "2026-01-05T12:00:00Z" },
                { "kind": "mql", "occurredAt": "2026-01-05T10:00:00Z" },
                { "kind": "assigned", "occurredAt": "2026-01-05T11:00:00Z", "ownerEmail": "a@handoff.test" },
                { "kind": "touch", "occurredAt": "2026-01-05T11:30:00Z", "channel": "CALL", "outcome": "connected" }
            ]
        }]),
    )
    .await;
    assert_eq!(result["errors"], json!([]), "{result}");
    let lead = &result["leads"][0];
    assert_eq!(lead["status"], "SAL");
    assert_eq!(lead["owner"]["id"], a.as_str());
    assert!(
        lead["mqlAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-05T10:00:00"),
        "{lead}"
    );
    assert!(
        lead["salAt"]
            .as_str()
            .unwrap()
            .starts_with("2026-01-05T12:00:00"),
        "{lead}"
    );
    let history = kinds(lead);
    assert_eq!(
        history.iter().filter(|k| *k == "assigned").count(),
        1,
        "no routing on top: {history:?}"
    );
    assert_eq!(
        history.iter().filter(|k| *k == "mql").count(),
        1,
        "{history:?}"
    );

    let invalid = ingest(
        &app,
        &admin,
        json!([{
            "externalId": "bf-2", "email": "bad@example.com", "leadType": "webinar",
            "events": [{ "kind": "qualified", "occurredAt": "2026-01-05T10:00:00Z",
                         "bant": { "budget": true, "authority": true, "need": true, "timeline": true } }]
        }]),
    )
    .await;
    let error = &invalid["errors"][0];
    assert_eq!(error["field"], "events[0].kind");
    assert!(
        error["message"].as_str().unwrap().contains("allowed: MQL"),
        "{error}"
    );
}

/// Intake writes new leads and their clocks behind and flushes them when something reads them
/// back: a lead created, re-sent with history (its log is read back mid-batch) and merged into
/// by e-mail in the same call ends up as the log explains it, and ids follow input order.
#[tokio::test]
async fn one_batch_that_reads_back_its_own_new_leads_leaves_rows_the_log_explains() {
    use handoff::clock::Clock as _;
    use handoff::handoff::rebuild::rebuild_leads;
    use sea_orm::ConnectionTrait as _;

    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a, _) = rep(&app, "wb-a@handoff.test").await;
    rep(&app, "wb-b@handoff.test").await;
    let now = app.clock.now();
    let at = |hours: i64| (now - Duration::hours(hours)).to_rfc3339();
    let result = ingest(
        &app,
        &admin,
        json!([
            lead("wb-1", "one@wb.example", "demo_request"),
            { "externalId": "wb-2", "email": "two@wb.example", "leadType": "webinar",
              "occurredAt": at(5),
              "events": [
                  { "kind": "mql", "occurredAt": at(4) },
                  { "kind": "assigned", "occurredAt": at(3), "ownerEmail": "wb-a@handoff.test" }
              ] },
            { "externalId": "wb-1", "email": "one@wb.example", "leadType": "demo_request",
              "events": [
                  { "kind": "touch", "occurredAt": now.to_rfc3339(), "channel": "CALL", "outcome": "connected" }
              ] },
            lead("wb-3", "one@wb.example", "webinar"),
            lead("wb-4", "four@wb.example", "demo_request"),
        ]),
    )
    .await;
    assert_eq!(result["errors"], json!([]), "{result}");
    assert_eq!(result["created"], 3, "{result}");
    assert_eq!(result["updated"], 2, "{result}");
    let id = |i: usize| {
        result["leads"][i]["id"]
            .as_str()
            .unwrap()
            .parse::<i64>()
            .unwrap()
    };
    assert_eq!(
        (id(2), id(3)),
        (id(0), id(0)),
        "re-sent and merged into the first"
    );
    assert_eq!((id(1), id(4)), (id(0) + 1, id(0) + 2), "ids in input order");
    let first = &result["leads"][3];
    let history = kinds(first);
    for kind in ["created", "mql", "assigned", "touch", "engagement"] {
        assert!(history.iter().any(|k| k == kind), "no {kind}: {history:?}");
    }
    assert_eq!(result["leads"][1]["owner"]["id"], a.as_str());

    // A read through the API sees what the call answered.
    let read = app
        .graphql(
            Some(&admin),
            &format!("query($id: ID!) {{ lead(id: $id) {{ {LEAD_FIELDS} }} }}"),
            json!({ "id": id(0).to_string() }),
        )
        .await;
    assert_eq!(read["data"]["lead"], *first, "{read}");

    // Rows and clocks are exactly what the log explains.
    let report = rebuild_leads(app.db()).await.unwrap();
    assert_eq!(report.leads, 3, "{report:?}");
    assert!(report.unexplained.is_empty(), "{report:?}");
    assert_eq!(report.changed, 0, "{report:?}");
    assert!(report.clocks >= 4, "{report:?}");
    assert_eq!(report.clocks_changed, 0, "{report:?}");

    // The next call continues after them (on SQLite without a gap; a PostgreSQL sequence keeps
    // the ids reserved and not used).
    let next = ingest(
        &app,
        &admin,
        json!([lead("wb-5", "five@wb.example", "webinar")]),
    )
    .await;
    let next_id = next["leads"][0]["id"]
        .as_str()
        .unwrap()
        .parse::<i64>()
        .unwrap();
    if app.db().get_database_backend() == sea_orm::DbBackend::Sqlite {
        assert_eq!(next_id, id(0) + 3, "{next}");
    } else {
        assert!(next_id > id(0) + 2, "{next}");
    }
}

#[tokio::test]
async fn reps_see_their_own_leads_and_their_team_queue_but_not_another_reps() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (a, a_token) = rep(&app, "a@handoff.test").await;
    let (_, b_token) = rep(&app, "b@handoff.test").await;
    let result = ingest(
        &app,
        &admin,
        json!([
            lead("v-1", "one@corp1.com", "demo_request"),
            lead("v-2", "two@corp2.com", "demo_request")
        ]),
    )
    .await;
    let (mine, theirs): (Vec<&Value>, Vec<&Value>) = result["leads"]
        .as_array()
        .unwrap()
        .iter()
        .partition(|l| l["owner"]["id"] == a.as_str());
    assert_eq!((mine.len(), theirs.len()), (1, 1));
    let query = "query($id: ID!) { lead(id: $id) { id } }";
    let own = app
        .graphql(Some(&a_token), query, json!({ "id": mine[0]["id"] }))
        .await;
    assert_eq!(own["data"]["lead"]["id"], mine[0]["id"]);
    let other = app
        .graphql(Some(&a_token), query, json!({ "id": theirs[0]["id"] }))
        .await;
    assert!(other["data"]["lead"].is_null(), "{other}");
    let list = app
        .graphql(
            Some(&a_token),
            "{ leads { totalCount edges { node { id } } } }",
            json!({}),
        )
        .await;
    assert_eq!(list["data"]["leads"]["totalCount"], 1);
    let b_list = app
        .graphql(Some(&b_token), "{ myQueue { id } }", json!({}))
        .await;
    assert_eq!(
        b_list["data"]["myQueue"],
        json!([{ "id": theirs[0]["id"] }])
    );
}

#[tokio::test]
async fn leads_page_with_cursors_and_filters() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let batch: Vec<Value> = (0..5)
        .map(|i| json!({ "externalId": format!("p-{i}"), "email": format!("p{i}@example.com"), "leadType": "webinar",
                         "company": format!("Acme {i}"), "source": if i % 2 == 0 { "ads" } else { "seo" } }))
        .collect();
    ingest(&app, &admin, json!(batch)).await;
    let query = "query($after: String, $filter: LeadFilter) { leads(first: 2, after: $after, filter: $filter) { totalCount edges { cursor node { externalId } } pageInfo { hasNextPage endCursor } } }";
    let page1 = app.graphql(Some(&admin), query, json!({})).await;
    let conn = &page1["data"]["leads"];
    assert_eq!(conn["totalCount"], 5);
    assert_eq!(
        conn["edges"][0]["node"]["externalId"], "p-4",
        "newest first"
    );
    assert_eq!(conn["pageInfo"]["hasNextPage"], true);
    let page2 = app
        .graphql(
            Some(&admin),
            query,
            json!({ "after": conn["pageInfo"]["endCursor"] }),
        )
        .await;
    assert_eq!(
        page2["data"]["leads"]["edges"][0]["node"]["externalId"],
        "p-2"
    );
    let filtered = app
        .graphql(
            Some(&admin),
            query,
            json!({ "filter": { "source": "ads", "search": "ACME" } }),
        )
        .await;
    assert_eq!(filtered["data"]["leads"]["totalCount"], 3, "{filtered}");
    let bad = app
        .graphql(Some(&admin), query, json!({ "after": "garbage" }))
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
}

/// Throughput of `ingestLeads` in batches of 1,000 through HTTP, with scoring, routing, events
/// and SLA clocks (BENCHMARKS.md). Not a timed test: run it by hand, in release, e.g.
/// `cargo test --release -p handoff --test api bench_intake -- --ignored --nocapture`
/// (`HANDOFF_TEST_DB=postgres` for PostgreSQL, `BENCH_BATCHES=n` for the number of batches).
#[tokio::test]
#[ignore = "a benchmark: run by hand"]
async fn bench_intake_throughput() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    for i in 0..20 {
        rep(&app, &format!("bench-rep{i}@handoff.test")).await;
    }
    let batches: usize = std::env::var("BENCH_BATCHES")
        .ok()
        .and_then(|n| n.parse().ok())
        .unwrap_or(10);
    let types = [
        "demo_request",
        "content_download",
        "webinar",
        "event",
        "other",
    ];
    let titles = [
        "VP Marketing",
        "Engineer",
        "Head of Sales",
        "Analyst",
        "Manager",
    ];
    let mut total = std::time::Duration::ZERO;
    let mut mqls = 0;
    for batch in 0..batches {
        let leads: Vec<Value> = (0..1000)
            .map(|i| {
                let n = batch * 1000 + i;
                json!({ "externalId": format!("bench-{n}"), "email": format!("p{n}@company{}.com", n % 700),
                        "leadType": types[n % types.len()], "title": titles[n % titles.len()],
                        "companySize": (n % 9) * 100, "country": "DE", "source": "ads" })
            })
            .collect();
        let query = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created updated errors { index message } leads { id status } } }";
        let started = std::time::Instant::now();
        let response = app
            .graphql(Some(&admin), query, json!({ "leads": leads }))
            .await;
        let elapsed = started.elapsed();
        total += elapsed;
        let result = &response["data"]["ingestLeads"];
        assert_eq!(result["errors"], json!([]), "{response}");
        mqls += result["leads"]
            .as_array()
            .unwrap()
            .iter()
            .filter(|l| l["status"] == "MQL")
            .count();
        println!(
            "batch {batch}: {} created, {} updated in {elapsed:?} ({:.0} leads/s)",
            result["created"],
            result["updated"],
            1000.0 / elapsed.as_secs_f64()
        );
    }
    let leads = batches * 1000;
    println!(
        "intake: {leads} leads ({mqls} routed MQLs) in {total:?}: {:.0} leads/s",
        leads as f64 / total.as_secs_f64()
    );
}
