//! The live feed through the real WebSocket: committed changes reach `leadChanged` and
//! `slaEvents` for the subscribers allowed to see them, backfilled thresholds never do, a
//! subscriber that falls behind is told how much it lost, and (PostgreSQL) a change made
//! through one server reaches a subscriber of another server on the same database.

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, SecondsFormat, Utc};
use handoff::clock::Clock as _;
use handoff::entities::{lead_events, leads};
use handoff::events::{EventBus, LiveEvent};
use handoff_shared::lead::LeadEvent;
use sea_orm::{ColumnTrait as _, ConnectionTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_second_app};
use crate::websocket::{Socket, next, open_port, send};

const INGEST: &str = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created errors { index field message } leads { id status owner { id } } } }";
const LEAD_CHANGED: &str = "subscription { leadChanged { id externalId status owner { id } } }";
const SLA_EVENTS: &str =
    "subscription { slaEvents { kind occurredAt clock { kind state } lead { id externalId } } }";

fn iso(instant: DateTime<Utc>) -> String {
    instant.to_rfc3339_opts(SecondsFormat::Secs, true)
}

/// Opens a connection to the server on `port`, authenticates with `token` and subscribes with
/// `query`; returns once the server holds the subscription (`bus` counts one more subscriber).
async fn subscribe(port: u16, bus: &EventBus, token: &str, query: &str) -> Socket {
    let before = bus.subscriber_count();
    let mut socket = open_port(port).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": token } }),
    )
    .await;
    assert_eq!(
        next(&mut socket).await.expect("an answer")["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": query } }),
    )
    .await;
    for _ in 0..200 {
        if bus.subscriber_count() > before {
            return socket;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("the subscription was not registered within 2 s");
}

/// The next `next` payload of the subscription.
async fn payload(socket: &mut Socket) -> Value {
    let message = next(socket).await.expect("a message");
    assert_eq!(message["type"], "next", "{message}");
    message["payload"].clone()
}

async fn ingest(app: &TestApp, token: &str, leads: Value) -> Value {
    let response = app
        .graphql(Some(token), INGEST, json!({ "leads": leads }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let result = response["data"]["ingestLeads"].clone();
    assert_eq!(result["errors"], json!([]), "{result}");
    result
}

/// A demo request that is an MQL assigned to `owner_email` at `at`.
fn assigned_lead(external_id: &str, owner_email: &str, at: DateTime<Utc>) -> Value {
    json!({
        "externalId": external_id,
        "email": format!("{external_id}@example.com"),
        "leadType": "demo_request",
        "occurredAt": iso(at),
        "events": [
            { "kind": "mql", "occurredAt": iso(at) },
            { "kind": "assigned", "occurredAt": iso(at), "ownerEmail": owner_email }
        ]
    })
}

async fn accept(app: &TestApp, token: &str, lead_id: &str) {
    let response = app
        .graphql(
            Some(token),
            "mutation($id: ID!) { acceptLead(id: $id) { id status } }",
            json!({ "id": lead_id }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

#[tokio::test]
async fn committed_lead_changes_reach_the_subscribers_allowed_to_see_them() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (ann, ann_token) = app.user_with_token("ann@handoff.test", "REP").await;
    let (bob, bob_token) = app.user_with_token("bob@handoff.test", "REP").await;
    let bus = &app.state.events;
    let mut admin_socket = subscribe(app.port, bus, &admin, LEAD_CHANGED).await;
    let mut ann_socket = subscribe(app.port, bus, &ann_token, LEAD_CHANGED).await;
    let mut bob_socket = subscribe(app.port, bus, &bob_token, LEAD_CHANGED).await;
    let now = app.clock.now();

    // Ann's lead: the admin and Ann see it; Bob does not.
    let anns = ingest(
        &app,
        &admin,
        json!([assigned_lead("live-ann", "ann@handoff.test", now)]),
    )
    .await;
    let anns_id = anns["leads"][0]["id"].as_str().unwrap().to_owned();
    for socket in [&mut admin_socket, &mut ann_socket] {
        let lead = payload(socket).await["data"]["leadChanged"].clone();
        assert_eq!(lead["externalId"], "live-ann", "{lead}");
        assert_eq!(lead["owner"]["id"], ann.as_str(), "{lead}");
        assert_eq!(lead["status"], "MQL", "{lead}");
    }

    // Ann accepts it: one change, the committed stage.
    accept(&app, &ann_token, &anns_id).await;
    for socket in [&mut admin_socket, &mut ann_socket] {
        let lead = payload(socket).await["data"]["leadChanged"].clone();
        assert_eq!(lead["id"], anns_id.as_str(), "{lead}");
        assert_eq!(lead["status"], "SAL", "{lead}");
    }

    // Bob's lead: the first thing Bob ever receives, so he saw nothing of Ann's.
    ingest(
        &app,
        &admin,
        json!([assigned_lead("live-bob", "bob@handoff.test", now)]),
    )
    .await;
    let first_for_bob = payload(&mut bob_socket).await;
    assert_eq!(
        first_for_bob["data"]["leadChanged"]["externalId"], "live-bob",
        "{first_for_bob}"
    );
    assert_eq!(
        first_for_bob["data"]["leadChanged"]["owner"]["id"],
        bob.as_str()
    );
    let lead = payload(&mut admin_socket).await["data"]["leadChanged"].clone();
    assert_eq!(lead["externalId"], "live-bob", "{lead}");

    // Reassigned to Bob: now Bob sees Ann's former lead.
    let response = app
        .graphql(
            Some(&admin),
            "mutation($id: ID!, $owner: ID!) { reassignLead(id: $id, ownerId: $owner) { id } }",
            json!({ "id": anns_id, "owner": bob }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let lead = payload(&mut bob_socket).await["data"]["leadChanged"].clone();
    assert_eq!(lead["id"], anns_id.as_str(), "{lead}");
    assert_eq!(lead["owner"]["id"], bob.as_str(), "{lead}");
}

#[tokio::test]
async fn a_rep_may_not_subscribe_to_another_reps_leads() {
    let app = spawn_app().await;
    let (ann, _) = app.user_with_token("ann@handoff.test", "REP").await;
    let (_, bob_token) = app.user_with_token("bob@handoff.test", "REP").await;
    let mut socket = open_port(app.port).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": bob_token } }),
    )
    .await;
    assert_eq!(next(&mut socket).await.unwrap()["type"], "connection_ack");
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": {
            "query": "subscription($owner: ID) { leadChanged(ownerId: $owner) { id } }",
            "variables": { "owner": ann } } }),
    )
    .await;
    let answer = payload(&mut socket).await;
    assert_eq!(
        answer["errors"][0]["extensions"]["code"], "FORBIDDEN",
        "{answer}"
    );
}

#[tokio::test]
async fn sla_events_show_live_transitions_and_never_backfilled_thresholds() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.user_with_token("ann@handoff.test", "REP").await;
    let response = app
        .graphql(
            Some(&admin),
            "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
            json!({ "input": { "name": "Demo first response", "leadType": "demo_request",
                    "kind": "FIRST_RESPONSE", "targetSeconds": 3600, "startOn": "assigned" } }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let mut socket = subscribe(app.port, &app.state.events, &admin, SLA_EVENTS).await;
    let now = app.clock.now();

    // Assigned a month ago against a one-hour promise: every threshold is already past.
    let old = ingest(
        &app,
        &admin,
        json!([assigned_lead(
            "old",
            "ann@handoff.test",
            now - chrono::Duration::days(30)
        )]),
    )
    .await;
    let old_id: i64 = old["leads"][0]["id"].as_str().unwrap().parse().unwrap();
    let backfilled = sla_log(&app, old_id).await;
    assert!(
        backfilled
            .iter()
            .any(|(kind, backfill)| kind == "BREACHED" && *backfill),
        "the log holds the backfilled breach: {backfilled:?}"
    );

    // A live lead: its clock starts now, and accepting it meets the promise.
    let fresh = ingest(
        &app,
        &admin,
        json!([assigned_lead("fresh", "ann@handoff.test", now)]),
    )
    .await;
    let fresh_id = fresh["leads"][0]["id"].as_str().unwrap().to_owned();
    accept(&app, &admin, &fresh_id).await;

    let mut seen = Vec::new();
    loop {
        let event = payload(&mut socket).await["data"]["slaEvents"].clone();
        let entry = (
            event["lead"]["externalId"].as_str().unwrap().to_owned(),
            event["kind"].as_str().unwrap().to_owned(),
        );
        assert!(event["clock"]["state"].is_string(), "{event}");
        let done = entry == ("fresh".to_owned(), "MET".to_owned());
        seen.push(entry);
        if done {
            break;
        }
    }
    assert!(
        seen.iter()
            .all(|(_, kind)| !kind.starts_with("AT_RISK") && kind != "BREACHED"),
        "no threshold of backfilled history reached the subscriber: {seen:?}"
    );
    assert!(
        seen.contains(&("fresh".to_owned(), "STARTED".to_owned())),
        "{seen:?}"
    );
}

/// (transition, backfill) of the SLA events in a lead's log.
async fn sla_log(app: &TestApp, lead_id: i64) -> Vec<(String, bool)> {
    lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(lead_id))
        .filter(lead_events::Column::Kind.eq("sla"))
        .all(app.db())
        .await
        .unwrap()
        .into_iter()
        .filter_map(
            |row| match LeadEvent::from_stored(&row.kind, &row.payload) {
                Ok(LeadEvent::Sla(t)) => Some((t.transition.as_str().to_owned(), t.backfill)),
                _ => None,
            },
        )
        .collect()
}

#[tokio::test]
async fn a_subscriber_that_falls_behind_is_told_how_many_events_it_lost() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let ingested = ingest(
        &app,
        &admin,
        json!([
            { "externalId": "burst", "email": "burst@example.com", "leadType": "webinar" },
            { "externalId": "marker", "email": "marker@example.com", "leadType": "webinar" }
        ]),
    )
    .await;
    let id = |i: usize| -> i64 {
        ingested["leads"][i]["id"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap()
    };
    let burst = Arc::new(
        leads::Entity::find_by_id(id(0))
            .one(app.db())
            .await
            .unwrap()
            .unwrap(),
    );
    let marker = Arc::new(
        leads::Entity::find_by_id(id(1))
            .one(app.db())
            .await
            .unwrap()
            .unwrap(),
    );
    // Let the feed publish the ingest before the subscription starts.
    tokio::time::sleep(Duration::from_millis(500)).await;
    let bus = app.state.events.clone();
    let mut socket = subscribe(app.port, &bus, &admin, LEAD_CHANGED).await;

    // Far more than the channel holds, faster than any subscriber can take them.
    const BURST: u64 = 20_000;
    for _ in 0..BURST {
        bus.publish(LiveEvent::Lead(burst.clone()));
    }
    tokio::time::sleep(Duration::from_millis(200)).await;
    bus.publish(LiveEvent::Lead(marker));

    let (mut received, mut dropped, mut notices) = (0u64, 0u64, 0);
    loop {
        let answer = payload(&mut socket).await;
        if let Some(error) = answer["errors"].get(0) {
            assert_eq!(error["extensions"]["code"], "LAGGED", "{answer}");
            dropped += error["extensions"]["dropped"].as_u64().unwrap();
            notices += 1;
            continue;
        }
        match answer["data"]["leadChanged"]["externalId"].as_str() {
            Some("burst") => received += 1,
            Some("marker") => break,
            _ => panic!("unexpected {answer}"),
        }
    }
    assert!(notices >= 1, "the subscriber fell behind and was told");
    assert!(received >= 1, "and it went on receiving events");
    assert_eq!(
        received + dropped,
        BURST,
        "every event was either delivered or counted as dropped"
    );
}

#[tokio::test]
async fn a_change_through_one_server_reaches_a_subscriber_of_another() {
    let app = spawn_app().await;
    if app.db().get_database_backend() != sea_orm::DatabaseBackend::Postgres {
        eprintln!("fan-out across servers needs PostgreSQL (HANDOFF_TEST_DB=postgres)");
        return;
    }
    let second = spawn_second_app(&app).await;
    let admin = app.admin_token().await;
    let mut on_second = subscribe(second.port, &second.state.events, &admin, LEAD_CHANGED).await;
    let mut on_first = subscribe(app.port, &app.state.events, &admin, LEAD_CHANGED).await;

    let ingested = ingest(
        &app,
        &admin,
        json!([
            { "externalId": "fan-1", "email": "fan1@example.com", "leadType": "webinar" },
            { "externalId": "fan-2", "email": "fan2@example.com", "leadType": "webinar" }
        ]),
    )
    .await;
    assert_eq!(ingested["created"], 2);
    for socket in [&mut on_second, &mut on_first] {
        let mut ids = Vec::new();
        for _ in 0..2 {
            let answer = payload(socket).await;
            ids.push(
                answer["data"]["leadChanged"]["externalId"]
                    .as_str()
                    .unwrap()
                    .to_owned(),
            );
        }
        ids.sort();
        assert_eq!(ids, ["fan-1", "fan-2"], "each lead once, on both servers");
    }

    // Each lead arrived once: the next thing either subscriber receives is a lead ingested
    // through the second server.
    let response: Value = app
        .client
        .post(format!("http://127.0.0.1:{}/graphql", second.port))
        .bearer_auth(&admin)
        .json(&json!({ "query": INGEST, "variables": { "leads": [
            { "externalId": "fan-3", "email": "fan3@example.com", "leadType": "webinar" }
        ] } }))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(response["data"]["ingestLeads"]["created"], 1, "{response}");
    for socket in [&mut on_second, &mut on_first] {
        let answer = payload(socket).await;
        assert_eq!(
            answer["data"]["leadChanged"]["externalId"], "fan-3",
            "{answer}"
        );
    }
}
