//! The SLA scheduler: thresholds fire at their instants by themselves, once, in order; a
//! process that was down catches up once; `reassignOnBreach` takes the lead from its owner;
//! on PostgreSQL, concurrent schedulers never fire a threshold twice.

use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, Utc};
use handoff::clock::Clock as _;
use handoff::handoff::store;
use handoff::sla::scheduler::{self, fire_due};
use handoff_shared::domain::SlaEventKind;
use handoff_shared::lead::{LeadEvent, SlaTransition};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app, spawn_app_with};
use crate::intake::ingest;

/// A 24/7 calendar and a 100-second FIRST_RESPONSE promise for demo requests, from assignment;
/// returns the admin token.
async fn hundred_second_policy(app: &TestApp, reassign_on_breach: bool) -> String {
    let admin = app.admin_token().await;
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    let calendar = app
        .graphql(
            Some(&admin),
            "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
            json!({ "input": { "name": "Always", "calendar": { "timezone": "UTC", "weekly": weekly } } }),
        )
        .await;
    assert!(calendar["errors"].is_null(), "{calendar}");
    let calendar_id = calendar["data"]["upsertBusinessCalendar"]["id"].clone();
    let policy = app
        .graphql(
            Some(&admin),
            "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
            json!({ "input": { "name": "Demo first response", "leadType": "demo_request",
                               "kind": "FIRST_RESPONSE", "targetSeconds": 100, "calendarId": calendar_id,
                               "startOn": "assigned", "reassignOnBreach": reassign_on_breach } }),
        )
        .await;
    assert!(policy["errors"].is_null(), "{policy}");
    admin
}

/// Ingests one demo request (assigned at once) and returns its id and owner id.
async fn demo_request(app: &TestApp, admin: &str, n: usize) -> (i64, String) {
    let result = ingest(
        app,
        admin,
        json!([{ "externalId": format!("ext-{n}"), "email": format!("buyer{n}@example.com"),
                 "leadType": "demo_request" }]),
    )
    .await;
    let lead = &result["leads"][0];
    (
        lead["id"].as_str().unwrap().parse().unwrap(),
        lead["owner"]["id"].as_str().unwrap().to_owned(),
    )
}

/// The FIRST_RESPONSE transitions of a lead's log, with when they happened.
async fn first_response_log(app: &TestApp, lead_id: i64) -> Vec<(SlaTransition, DateTime<Utc>)> {
    store::history(app.db(), lead_id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(
            |row| match LeadEvent::from_stored(&row.kind, &row.payload) {
                Ok(LeadEvent::Sla(t))
                    if t.clock == handoff_shared::domain::SlaKind::FirstResponse =>
                {
                    Some((t, row.occurred_at))
                }
                _ => None,
            },
        )
        .collect()
}

fn kinds(log: &[(SlaTransition, DateTime<Utc>)]) -> Vec<SlaEventKind> {
    log.iter().map(|(t, _)| t.transition).collect()
}

#[tokio::test]
async fn thresholds_fire_at_their_instants_once_and_in_order() {
    let app = spawn_app().await;
    let admin = hundred_second_policy(&app, false).await;
    app.user_with_token("rep1@handoff.test", "REP").await;
    let start = app.clock.now();
    let (lead_id, _) = demo_request(&app, &admin, 1).await;

    // Nothing is due before 50 %.
    app.clock.advance(Duration::seconds(49));
    let tick = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!(tick.thresholds, 0, "{tick:?}");

    app.clock.advance(Duration::seconds(1));
    let tick = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!((tick.due, tick.leads, tick.thresholds), (1, 1, 1));
    // Firing again at the same instant finds nothing: once.
    let again = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!(again.due, 0, "{again:?}");

    app.clock.advance(Duration::seconds(30));
    fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    app.clock.advance(Duration::seconds(20));
    fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    app.clock.advance(Duration::seconds(500));
    let after = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!(after.due, 0, "a breached clock has nothing more to fire");

    let log = first_response_log(&app, lead_id).await;
    assert_eq!(
        kinds(&log),
        [
            SlaEventKind::Started,
            SlaEventKind::AtRisk50,
            SlaEventKind::AtRisk80,
            SlaEventKind::Breached
        ]
    );
    let instants: Vec<i64> = log
        .iter()
        .map(|(_, at)| (*at - start).num_seconds())
        .collect();
    assert_eq!(instants, [0, 50, 80, 100], "each logged at its own instant");
    assert!(
        log.iter().all(|(t, _)| !t.backfill),
        "live thresholds notify"
    );

    let lead = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { lead(id: $id) { slaBreached slaClocks { kind state } } }",
            json!({ "id": lead_id.to_string() }),
        )
        .await;
    assert_eq!(lead["data"]["lead"]["slaBreached"], true, "{lead}");
}

#[tokio::test]
async fn a_process_that_was_down_fires_what_it_missed_once_when_it_comes_back() {
    let app = spawn_app().await;
    let admin = hundred_second_policy(&app, false).await;
    app.user_with_token("rep1@handoff.test", "REP").await;
    let start = app.clock.now();
    let mut leads = Vec::new();
    for n in 0..3 {
        leads.push(demo_request(&app, &admin, n).await.0);
    }
    // Down for an hour: every threshold of every clock is due at once.
    app.clock.advance(Duration::hours(1));
    let tick = fire_due(app.db(), app.clock.now(), 2).await.unwrap();
    assert_eq!(tick.due, 2, "a tick takes at most its batch");
    let rest = fire_due(app.db(), app.clock.now(), 100).await.unwrap();
    assert_eq!(rest.due, 1);
    assert_eq!(tick.thresholds + rest.thresholds, 9);
    for lead_id in leads {
        let log = first_response_log(&app, lead_id).await;
        assert_eq!(
            kinds(&log)[1..],
            [
                SlaEventKind::AtRisk50,
                SlaEventKind::AtRisk80,
                SlaEventKind::Breached
            ]
        );
        let instants: Vec<i64> = log
            .iter()
            .map(|(_, at)| (*at - start).num_seconds())
            .collect();
        assert_eq!(instants[1..], [50, 80, 100], "logged at when they were due");
        assert!(
            log.iter().all(|(t, _)| !t.backfill),
            "missed while down is still live: it notifies"
        );
    }
}

#[tokio::test]
async fn a_breach_under_reassign_on_breach_gives_the_lead_to_the_next_rep() {
    let app = spawn_app().await;
    let admin = hundred_second_policy(&app, true).await;
    let (rep1, _) = app.user_with_token("rep1@handoff.test", "REP").await;
    let (rep2, _) = app.user_with_token("rep2@handoff.test", "REP").await;
    let (lead_id, first_owner) = demo_request(&app, &admin, 1).await;
    let other = if first_owner == rep1 { &rep2 } else { &rep1 };

    app.clock.advance(Duration::seconds(101));
    let tick = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!(tick.reassigned, 1, "{tick:?}");

    let lead = app
        .graphql(
            Some(&admin),
            "query($id: ID!) { lead(id: $id) { owner { id } history { kind detail } slaClocks { kind state } } }",
            json!({ "id": lead_id.to_string() }),
        )
        .await;
    let lead = &lead["data"]["lead"];
    assert_eq!(lead["owner"]["id"], other.as_str(), "{lead}");
    let history = lead["history"].as_array().unwrap();
    let last_assigned = history
        .iter()
        .rev()
        .find(|e| e["kind"] == "assigned")
        .unwrap();
    let detail = last_assigned["detail"].as_str().unwrap();
    assert!(detail.contains("breach"), "{detail}");
    // The breached clock stays held against the rep who let it run over.
    let log = first_response_log(&app, lead_id).await;
    assert_eq!(log.last().unwrap().0.transition, SlaEventKind::Reassigned);
    assert_eq!(
        log.last().unwrap().0.owner_id.map(|id| id.to_string()),
        Some(first_owner)
    );
}

#[tokio::test]
async fn the_scheduler_runs_by_itself_in_the_server() {
    let app = spawn_app_with(|settings| settings.sla_scheduler = true).await;
    let admin = hundred_second_policy(&app, false).await;
    app.user_with_token("rep1@handoff.test", "REP").await;
    let (lead_id, _) = demo_request(&app, &admin, 1).await;
    app.clock.advance(Duration::seconds(85));

    let deadline = tokio::time::Instant::now() + StdDuration::from_secs(10);
    loop {
        let log = first_response_log(&app, lead_id).await;
        if kinds(&log).contains(&SlaEventKind::AtRisk80) {
            assert_eq!(
                kinds(&log),
                [
                    SlaEventKind::Started,
                    SlaEventKind::AtRisk50,
                    SlaEventKind::AtRisk80
                ]
            );
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "the scheduler did not fire: {log:?}"
        );
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
}

#[tokio::test]
async fn concurrent_schedulers_fire_every_threshold_exactly_once() {
    let app = spawn_app().await;
    let admin = hundred_second_policy(&app, false).await;
    app.user_with_token("rep1@handoff.test", "REP").await;
    app.user_with_token("rep2@handoff.test", "REP").await;
    let leads: Vec<Value> = (0..60)
        .map(|n| json!({ "externalId": format!("ext-{n}"), "email": format!("buyer{n}@example.com"), "leadType": "demo_request" }))
        .collect();
    let result = ingest(&app, &admin, Value::Array(leads)).await;
    assert_eq!(result["created"], 60);
    app.clock.advance(Duration::hours(1));
    let now = app.clock.now();

    // Four schedulers at once, small batches, until nothing is due (on SQLite they take turns).
    let mut workers = Vec::new();
    for _ in 0..4 {
        let db = app.db().clone();
        workers.push(tokio::spawn(async move {
            let mut fired = 0;
            loop {
                let tick = fire_due(&db, now, 7).await.unwrap();
                fired += tick.thresholds;
                if tick.due == 0 {
                    return fired;
                }
                tokio::task::yield_now().await;
            }
        }));
    }
    let mut total = 0;
    for worker in workers {
        total += worker.await.unwrap();
    }
    assert_eq!(
        total,
        60 * 3,
        "50 %, 80 % and breach of 60 clocks, once each"
    );
    for lead in result["leads"].as_array().unwrap() {
        let id: i64 = lead["id"].as_str().unwrap().parse().unwrap();
        let log = first_response_log(&app, id).await;
        assert_eq!(log.len(), 4, "lead {id}: {:?}", kinds(&log));
    }
}

/// The FIRST_RESPONSE clock of a lead as the API shows it.
async fn first_response_clock(app: &TestApp, admin: &str, lead_id: i64) -> Value {
    let lead = app
        .graphql(
            Some(admin),
            "query($id: ID!) { lead(id: $id) { slaClocks { kind state dueAt targetSeconds elapsedBusinessSeconds } history { kind detail } } }",
            json!({ "id": lead_id.to_string() }),
        )
        .await;
    let clocks = lead["data"]["lead"]["slaClocks"].as_array().unwrap();
    let mut clock = clocks
        .iter()
        .find(|c| c["kind"] == "FIRST_RESPONSE")
        .unwrap()
        .clone();
    clock["history"] = lead["data"]["lead"]["history"].clone();
    clock
}

fn instant(value: &Value) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(value.as_str().unwrap())
        .unwrap()
        .to_utc()
}

#[tokio::test]
async fn a_policy_change_replans_open_clocks_keeping_the_time_counted() {
    let app = spawn_app().await;
    let admin = hundred_second_policy(&app, false).await;
    app.user_with_token("rep1@handoff.test", "REP").await;
    let start = app.clock.now();
    let (lead_id, _) = demo_request(&app, &admin, 1).await;
    app.clock.advance(Duration::seconds(30));

    // The same (leadType, kind): the 100-second promise becomes 200 seconds.
    let calendar_id = app
        .graphql(Some(&admin), "{ businessCalendars { id name } }", json!({}))
        .await["data"]["businessCalendars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Always")
        .unwrap()["id"]
        .clone();
    let saved = app
        .graphql(
            Some(&admin),
            "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }",
            json!({ "input": { "name": "Demo first response", "leadType": "demo_request",
                               "kind": "FIRST_RESPONSE", "targetSeconds": 200, "calendarId": calendar_id,
                               "startOn": "assigned" } }),
        )
        .await;
    assert!(saved["errors"].is_null(), "{saved}");

    let clock = first_response_clock(&app, &admin, lead_id).await;
    assert_eq!(clock["targetSeconds"], 200);
    assert_eq!(clock["elapsedBusinessSeconds"], 30);
    assert_eq!((instant(&clock["dueAt"]) - start).num_seconds(), 200);
    let said = clock["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .any(|d| d.contains("REASSIGNED (policy changed"));
    assert!(said, "the history says why: {}", clock["history"]);

    // 50 % is now at 100 s, not 50 s.
    app.clock.advance(Duration::seconds(40));
    let tick = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!(tick.thresholds, 0, "{tick:?}");
    app.clock.advance(Duration::seconds(30));
    let tick = fire_due(app.db(), app.clock.now(), scheduler::BATCH)
        .await
        .unwrap();
    assert_eq!(tick.thresholds, 1, "{tick:?}");
    let log = first_response_log(&app, lead_id).await;
    assert_eq!((log.last().unwrap().1 - start).num_seconds(), 100);

    // The rebuilt projection agrees with the log.
    let report = handoff::handoff::rebuild::rebuild_leads(app.db())
        .await
        .unwrap();
    assert!(report.unexplained.is_empty(), "{report:?}");
    assert_eq!(
        (report.changed, report.clocks_changed),
        (0, 0),
        "{report:?}"
    );
}

#[tokio::test]
async fn editing_a_calendar_replans_the_clocks_counting_in_it() {
    let app = spawn_app().await;
    let admin = hundred_second_policy(&app, false).await;
    app.user_with_token("rep1@handoff.test", "REP").await;
    let (lead_id, _) = demo_request(&app, &admin, 1).await;
    app.clock.advance(Duration::seconds(30));
    let now = app.clock.now();

    // Closed for the rest of today (UTC): open every day but today's weekday.
    let today = now.format("%a").to_string().to_lowercase();
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
        .iter()
        .filter(|day| **day != today)
        .map(|day| json!({ "day": day, "open": "00:00", "close": "24:00" }))
        .collect();
    let calendars = app
        .graphql(Some(&admin), "{ businessCalendars { id name } }", json!({}))
        .await;
    let calendar_id = calendars["data"]["businessCalendars"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["name"] == "Always")
        .unwrap()["id"]
        .clone();
    let saved = app
        .graphql(
            Some(&admin),
            "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
            json!({ "input": { "id": calendar_id, "name": "Always", "calendar": { "timezone": "UTC", "weekly": weekly } } }),
        )
        .await;
    assert!(saved["errors"].is_null(), "{saved}");

    let clock = first_response_clock(&app, &admin, lead_id).await;
    assert_eq!(clock["elapsedBusinessSeconds"], 30, "time counted stays");
    let tomorrow = (now + Duration::days(1))
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        instant(&clock["dueAt"]),
        tomorrow + Duration::seconds(70),
        "the remaining 70 s count from when the new hours open"
    );
    let said = clock["history"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["detail"].as_str())
        .any(|d| d.contains("REASSIGNED (calendar changed"));
    assert!(said, "the history says why: {}", clock["history"]);
}
