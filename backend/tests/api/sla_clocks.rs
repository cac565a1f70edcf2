//! SLA clocks through the API: started on assignment in the owner's calendar, stopped by a
//! touch, moved with the lead to another rep, and backfilled from history without notifying.

use chrono::{DateTime, Utc};
use handoff::clock::Clock as _;
use handoff::handoff::store::{LeadRecord, Recorded};
use handoff::sla;
use handoff_shared::domain::{SlaEventKind, SlaKind};
use handoff_shared::lead::{Assignment, LeadEvent, LeadProfile, MqlReason, SlaTransition};
use sea_orm::{EntityTrait as _, TransactionTrait as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const UPSERT_CALENDAR: &str =
    "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }";
const UPSERT_SLA_POLICY: &str =
    "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }";
const CLOCK_FIELDS: &str = "slaBreached slaClocks { kind state policy { name } startedAt dueAt stoppedAt targetSeconds elapsedBusinessSeconds remainingBusinessSeconds percentElapsed }";

fn at(s: &str) -> DateTime<Utc> {
    DateTime::parse_from_rfc3339(s).unwrap().to_utc()
}

/// A team-less organisation with a New York rep and a Berlin rep, each on their office hours.
struct Org {
    admin: String,
    new_york: (i64, String),
    berlin: (i64, String),
}

async fn organisation(app: &TestApp) -> Org {
    let admin = app.admin_token().await;
    let mut calendars = Vec::new();
    for (name, timezone) in [
        ("New York", "America/New_York"),
        ("Berlin", "Europe/Berlin"),
    ] {
        let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
            .iter()
            .map(|day| json!({ "day": day, "open": "09:00", "close": "17:00" }))
            .collect();
        let response = app
            .graphql(
                Some(&admin),
                UPSERT_CALENDAR,
                json!({ "input": { "name": name, "calendar": { "timezone": timezone, "weekly": weekly } } }),
            )
            .await;
        assert!(response["errors"].is_null(), "{response}");
        calendars.push(
            response["data"]["upsertBusinessCalendar"]["id"]
                .as_str()
                .unwrap()
                .to_owned(),
        );
    }
    let mut reps = Vec::new();
    for (email, calendar) in [
        ("nyc@handoff.test", &calendars[0]),
        ("ber@handoff.test", &calendars[1]),
    ] {
        let user = app
            .create_user(json!({ "email": email, "name": email, "password": "a-good-password", "role": "REP", "calendarId": calendar }))
            .await;
        let id: i64 = user["id"].as_str().unwrap().parse().unwrap();
        reps.push((id, app.token_for(email, "a-good-password").await));
    }
    let berlin = reps.pop().unwrap();
    let new_york = reps.pop().unwrap();
    Org {
        admin,
        new_york,
        berlin,
    }
}

async fn policy(app: &TestApp, admin: &str, input: Value) {
    let response = app
        .graphql(Some(admin), UPSERT_SLA_POLICY, json!({ "input": input }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
}

/// A one-hour FIRST_RESPONSE promise for demo requests, from assignment.
async fn one_hour_first_response(app: &TestApp, admin: &str) {
    policy(
        app,
        admin,
        json!({ "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": 3600, "startOn": "assigned" }),
    )
    .await;
}

/// Appends events to a lead the way every service does: the event, then its SLA transitions.
async fn append(
    txn: &impl sea_orm::ConnectionTrait,
    record: &mut LeadRecord,
    event: LeadEvent,
    occurred_at: DateTime<Utc>,
    now: DateTime<Utc>,
) {
    record
        .append(
            txn,
            Recorded {
                event: event.clone(),
                actor_id: None,
                occurred_at,
            },
            now,
        )
        .await
        .unwrap();
    for transition in sla::on_lead_event(txn, record, &event, occurred_at, now)
        .await
        .unwrap()
    {
        record.append(txn, transition, now).await.unwrap();
    }
}

/// A demo request that became an MQL and was assigned to `owner` at `occurred_at` (in the
/// past: backfilled history), followed by `later` history events; then settled at now.
async fn demo_request_assigned(
    app: &TestApp,
    external_id: &str,
    owner: i64,
    occurred_at: DateTime<Utc>,
    later: Vec<(LeadEvent, DateTime<Utc>)>,
) -> i64 {
    let now = app.clock.now();
    let txn = app.db().begin().await.unwrap();
    let profile = LeadProfile {
        email: format!("{external_id}@example.com"),
        lead_type: "demo_request".into(),
        ..Default::default()
    };
    let mut record = LeadRecord::create(&txn, profile, external_id, None, occurred_at, now)
        .await
        .unwrap();
    let mut events = vec![
        (
            LeadEvent::Mql {
                reason: MqlReason::History,
                score: 0,
            },
            occurred_at,
        ),
        (
            LeadEvent::Assigned(Assignment {
                owner_id: Some(owner),
                team_id: None,
                method: "history".into(),
                rule: None,
                previous_owner_id: None,
                detail: None,
            }),
            occurred_at,
        ),
    ];
    events.extend(later);
    for (event, occurred_at) in events {
        append(&txn, &mut record, event, occurred_at, now).await;
    }
    for transition in sla::settle(&txn, &record, now).await.unwrap() {
        record.append(&txn, transition, now).await.unwrap();
    }
    record.save(&txn).await.unwrap();
    txn.commit().await.unwrap();
    record.id
}

/// The SLA transitions in a lead's log, in log order.
async fn sla_log(app: &TestApp, lead_id: i64) -> Vec<(SlaTransition, DateTime<Utc>)> {
    handoff::handoff::store::history(app.db(), lead_id)
        .await
        .unwrap()
        .into_iter()
        .filter_map(
            |row| match LeadEvent::from_stored(&row.kind, &row.payload).unwrap() {
                LeadEvent::Sla(transition) => Some((transition, row.occurred_at)),
                _ => None,
            },
        )
        .collect()
}

fn first_response(lead: &Value) -> &Value {
    lead["slaClocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "FIRST_RESPONSE")
        .unwrap_or_else(|| panic!("no FIRST_RESPONSE clock in {lead}"))
}

async fn log_touch(app: &TestApp, token: &str, lead_id: i64) -> Value {
    let response = app
        .graphql(
            Some(token),
            &format!("mutation($id: ID!) {{ logTouch(id: $id, channel: CALL, outcome: \"connected\") {{ {CLOCK_FIELDS} }} }}"),
            json!({ "id": lead_id.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["logTouch"].clone()
}

#[tokio::test]
async fn a_clock_starts_on_assignment_due_in_the_owners_office_hours_and_a_touch_meets_it() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    one_hour_first_response(&app, &org.admin).await;
    // Friday 16:30 in New York: half an hour today, half an hour on Monday (already EDT).
    app.clock.set(at("2026-03-06T21:30:00Z"));
    let lead = demo_request_assigned(&app, "ny-1", org.new_york.0, app.clock.now(), vec![]).await;

    let log = sla_log(&app, lead).await;
    let started: Vec<_> = log
        .iter()
        .filter(|(t, _)| t.transition == SlaEventKind::Started)
        .collect();
    assert_eq!(
        started.len(),
        2,
        "FIRST_RESPONSE and the seeded ACCEPTANCE: {log:?}"
    );
    let (first, _) = started
        .iter()
        .find(|(t, _)| t.clock == SlaKind::FirstResponse)
        .unwrap();
    assert_eq!(first.due_at, Some(at("2026-03-09T13:30:00Z")));
    assert!(!first.backfill);

    app.clock.set(at("2026-03-09T13:10:00Z"));
    let touched = log_touch(&app, &org.new_york.1, lead).await;
    let clock = first_response(&touched);
    assert_eq!(clock["state"], "MET", "{touched}");
    assert_eq!(clock["policy"]["name"], "Demo first response");
    assert_eq!(clock["dueAt"], "2026-03-09T13:30:00+00:00");
    assert_eq!(clock["stoppedAt"], "2026-03-09T13:10:00+00:00");
    assert_eq!(clock["targetSeconds"], 3600);
    assert_eq!(clock["elapsedBusinessSeconds"], 2400);
    assert_eq!(clock["remainingBusinessSeconds"], 1200);
    assert!((clock["percentElapsed"].as_f64().unwrap() - 66.666).abs() < 0.01);
    assert_eq!(touched["slaBreached"], false);
    let met: Vec<_> = sla_log(&app, lead)
        .await
        .into_iter()
        .filter(|(t, _)| t.transition == SlaEventKind::Met)
        .collect();
    assert_eq!(met.len(), 1);
    assert_eq!(met[0].1, at("2026-03-09T13:10:00Z"));
}

#[tokio::test]
async fn a_touch_after_the_due_instant_ends_the_clock_breached() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    one_hour_first_response(&app, &org.admin).await;
    // Monday 09:00 in New York.
    app.clock.set(at("2026-03-02T14:00:00Z"));
    let lead =
        demo_request_assigned(&app, "ny-late", org.new_york.0, app.clock.now(), vec![]).await;

    app.clock.set(at("2026-03-02T15:30:00Z"));
    let row = sla::lead_clocks(app.db(), lead)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "FIRST_RESPONSE")
        .unwrap();
    assert_eq!(
        row.state, "RUNNING",
        "nothing has looked at the clock since it started"
    );
    let calendar = sla::calendar_from_row(
        &handoff::entities::business_calendars::Entity::find_by_id(row.calendar_id.unwrap())
            .one(app.db())
            .await
            .unwrap()
            .unwrap(),
    )
    .unwrap();
    let seen = sla::view(&row, &calendar, app.clock.now()).unwrap();
    assert_eq!(
        seen.state.as_str(),
        "BREACHED",
        "running past due reads BREACHED"
    );

    let touched = log_touch(&app, &org.new_york.1, lead).await;
    let clock = first_response(&touched);
    assert_eq!(clock["state"], "BREACHED", "{touched}");
    assert_eq!(clock["elapsedBusinessSeconds"], 5400);
    assert_eq!(clock["remainingBusinessSeconds"], -1800);
    assert_eq!(touched["slaBreached"], true);
    let kinds: Vec<_> = sla_log(&app, lead)
        .await
        .into_iter()
        .filter(|(t, _)| t.clock == SlaKind::FirstResponse)
        .map(|(t, _)| (t.transition, t.backfill))
        .collect();
    assert_eq!(
        kinds,
        [
            (SlaEventKind::Started, false),
            (SlaEventKind::AtRisk50, false),
            (SlaEventKind::AtRisk80, false),
            (SlaEventKind::Breached, false),
        ],
        "live thresholds nobody logged yet are logged before the stop, the breach is the stop"
    );
}

#[tokio::test]
async fn reassignment_to_a_berlin_rep_keeps_the_elapsed_time_and_recomputes_the_due() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    policy(
        &app,
        &org.admin,
        json!({ "name": "Demo first response", "leadType": "demo_request", "kind": "FIRST_RESPONSE", "targetSeconds": 4 * 3600 }),
    )
    .await;
    // Monday 09:00 in New York; due 13:00 there.
    app.clock.set(at("2026-03-02T14:00:00Z"));
    let lead = demo_request_assigned(&app, "ny-2", org.new_york.0, app.clock.now(), vec![]).await;

    // An hour later (16:00 in Berlin) the lead moves to Berlin: one hour left today until
    // 17:00, two on Tuesday from 09:00 Berlin (08:00Z).
    app.clock.set(at("2026-03-02T15:00:00Z"));
    let response = app
        .graphql(
            Some(&org.admin),
            &format!("mutation($id: ID!, $owner: ID!) {{ reassignLead(id: $id, ownerId: $owner) {{ {CLOCK_FIELDS} }} }}"),
            json!({ "id": lead.to_string(), "owner": org.berlin.0.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let clock = first_response(&response["data"]["reassignLead"]).clone();
    assert_eq!(clock["state"], "RUNNING");
    assert_eq!(clock["dueAt"], "2026-03-03T10:00:00+00:00");
    assert_eq!(clock["startedAt"], "2026-03-02T14:00:00+00:00");
    assert_eq!(clock["elapsedBusinessSeconds"], 3600);

    let reassigned: Vec<_> = sla_log(&app, lead)
        .await
        .into_iter()
        .filter(|(t, _)| {
            t.transition == SlaEventKind::Reassigned && t.clock == SlaKind::FirstResponse
        })
        .collect();
    assert_eq!(reassigned.len(), 1);
    assert_eq!(reassigned[0].0.elapsed_seconds, 3600);
    assert_eq!(reassigned[0].0.due_at, Some(at("2026-03-03T10:00:00Z")));
    let row = sla::lead_clocks(app.db(), lead)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "FIRST_RESPONSE")
        .unwrap();
    assert_eq!(
        row.owner_id,
        Some(org.berlin.0),
        "the clock is now the Berlin rep's"
    );

    // The Berlin rep answers Tuesday 09:30 Berlin: within the promise.
    app.clock.set(at("2026-03-03T08:30:00Z"));
    let touched = log_touch(&app, &org.berlin.1, lead).await;
    assert_eq!(first_response(&touched)["state"], "MET", "{touched}");
    assert_eq!(first_response(&touched)["elapsedBusinessSeconds"], 9000);
}

#[tokio::test]
async fn backfilled_history_marks_past_thresholds_without_notifying() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    one_hour_first_response(&app, &org.admin).await;
    app.clock.set(at("2026-03-05T17:00:00Z"));
    let assigned_at = at("2026-03-02T14:00:00Z");
    let touch = |minutes: i64| {
        (
            LeadEvent::Touch {
                channel: handoff_shared::domain::TouchChannel::Email,
                outcome: "sent".into(),
                connected: false,
            },
            assigned_at + chrono::Duration::minutes(minutes),
        )
    };

    // Never touched: every threshold passed days ago.
    let ignored = demo_request_assigned(&app, "old-1", org.new_york.0, assigned_at, vec![]).await;
    let log: Vec<_> = sla_log(&app, ignored)
        .await
        .into_iter()
        .filter(|(t, _)| t.clock == SlaKind::FirstResponse)
        .collect();
    let seen: Vec<_> = log
        .iter()
        .map(|(t, at)| (t.transition, t.backfill, *at))
        .collect();
    assert_eq!(
        seen,
        [
            (SlaEventKind::Started, false, assigned_at),
            (SlaEventKind::AtRisk50, true, at("2026-03-02T14:30:00Z")),
            (SlaEventKind::AtRisk80, true, at("2026-03-02T14:48:00Z")),
            (SlaEventKind::Breached, true, at("2026-03-02T15:00:00Z")),
        ]
    );
    let row = sla::lead_clocks(app.db(), ignored)
        .await
        .unwrap()
        .into_iter()
        .find(|c| c.kind == "FIRST_RESPONSE")
        .unwrap();
    assert_eq!(row.state, "BREACHED");
    assert_eq!(
        row.stopped_at, None,
        "still waiting for a response, counting overdue time"
    );
    assert_eq!(row.fired_percents, "[50,80,100]");
    assert_eq!(
        row.next_fire_at, None,
        "nothing left for the scheduler to notify"
    );
    let response = app
        .graphql(
            Some(&org.admin),
            &format!("query($id: ID!) {{ lead(id: $id) {{ {CLOCK_FIELDS} }} }}"),
            json!({ "id": ignored.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let lead = &response["data"]["lead"];
    assert_eq!(lead["slaBreached"], true);
    let clock = first_response(lead);
    assert_eq!(clock["state"], "BREACHED");
    assert_eq!(clock["stoppedAt"], Value::Null);
    assert_eq!(clock["dueAt"], "2026-03-02T15:00:00+00:00");
    // Monday to Wednesday 8 office hours each in New York, Thursday 09:00-12:00.
    assert_eq!(clock["elapsedBusinessSeconds"], 3 * 28_800 + 10_800);
    assert_eq!(clock["remainingBusinessSeconds"], 3600 - 97_200);

    // Touched within the hour: no threshold was ever reached.
    let answered =
        demo_request_assigned(&app, "old-2", org.new_york.0, assigned_at, vec![touch(20)]).await;
    let seen: Vec<_> = sla_log(&app, answered)
        .await
        .into_iter()
        .filter(|(t, _)| t.clock == SlaKind::FirstResponse)
        .map(|(t, at)| (t.transition, t.backfill, at))
        .collect();
    assert_eq!(
        seen,
        [
            (SlaEventKind::Started, false, assigned_at),
            (SlaEventKind::Met, false, at("2026-03-02T14:20:00Z")),
        ]
    );

    // Touched late: the at-risk points are backfilled, the breach is the late stop.
    let late =
        demo_request_assigned(&app, "old-3", org.new_york.0, assigned_at, vec![touch(90)]).await;
    let seen: Vec<_> = sla_log(&app, late)
        .await
        .into_iter()
        .filter(|(t, _)| t.clock == SlaKind::FirstResponse)
        .map(|(t, _)| (t.transition, t.backfill))
        .collect();
    assert_eq!(
        seen,
        [
            (SlaEventKind::Started, false),
            (SlaEventKind::AtRisk50, true),
            (SlaEventKind::AtRisk80, true),
            (SlaEventKind::Breached, false),
        ]
    );
}

#[tokio::test]
async fn a_reply_pauses_a_pausing_clock_and_the_next_touch_resumes_it() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    policy(
        &app,
        &org.admin,
        json!({ "name": "Demo acceptance", "leadType": "demo_request", "kind": "ACCEPTANCE", "targetSeconds": 4 * 3600, "pauseOnResponse": true }),
    )
    .await;
    app.clock.set(at("2026-03-02T14:00:00Z"));
    let lead = demo_request_assigned(&app, "ny-3", org.new_york.0, app.clock.now(), vec![]).await;
    let acceptance = |lead: &Value| {
        lead["slaClocks"]
            .as_array()
            .unwrap()
            .iter()
            .find(|c| c["kind"] == "ACCEPTANCE")
            .unwrap()
            .clone()
    };

    app.clock.set(at("2026-03-02T15:00:00Z"));
    let response = app
        .graphql(
            Some(&org.new_york.1),
            &format!("mutation($id: ID!) {{ leadResponded(id: $id) {{ {CLOCK_FIELDS} }} }}"),
            json!({ "id": lead.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let paused = acceptance(&response["data"]["leadResponded"]);
    assert_eq!(paused["state"], "PAUSED");
    assert_eq!(paused["elapsedBusinessSeconds"], 3600);

    // Two hours later the due instant has moved two hours with it.
    app.clock.set(at("2026-03-02T17:00:00Z"));
    let touched = log_touch(&app, &org.new_york.1, lead).await;
    let resumed = acceptance(&touched);
    assert_eq!(resumed["state"], "RUNNING", "{touched}");
    assert_eq!(resumed["elapsedBusinessSeconds"], 3600);
    assert_eq!(resumed["dueAt"], "2026-03-02T20:00:00+00:00");
    let kinds: Vec<_> = sla_log(&app, lead)
        .await
        .into_iter()
        .filter(|(t, _)| t.clock == SlaKind::Acceptance)
        .map(|(t, _)| t.transition)
        .collect();
    assert_eq!(
        kinds,
        [
            SlaEventKind::Started,
            SlaEventKind::Paused,
            SlaEventKind::Resumed
        ]
    );
}

#[tokio::test]
async fn acceptance_stops_the_first_clocks_and_starts_qualification() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    one_hour_first_response(&app, &org.admin).await;
    policy(
        &app,
        &org.admin,
        json!({ "name": "Demo qualification", "leadType": "demo_request", "kind": "QUALIFICATION", "targetSeconds": 5 * 86400 }),
    )
    .await;
    app.clock.set(at("2026-03-02T14:00:00Z"));
    let lead = demo_request_assigned(&app, "ny-4", org.new_york.0, app.clock.now(), vec![]).await;

    app.clock.set(at("2026-03-02T14:30:00Z"));
    let response = app
        .graphql(
            Some(&org.new_york.1),
            &format!("mutation($id: ID!) {{ acceptLead(id: $id) {{ {CLOCK_FIELDS} }} }}"),
            json!({ "id": lead.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let states: Vec<(String, String)> = response["data"]["acceptLead"]["slaClocks"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["kind"].as_str().unwrap().to_owned(),
                c["state"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    let expected = [
        ("FIRST_RESPONSE", "MET"),
        ("ACCEPTANCE", "MET"),
        ("QUALIFICATION", "RUNNING"),
    ];
    for (kind, state) in expected {
        assert!(
            states.contains(&(kind.to_owned(), state.to_owned())),
            "{kind} {state} in {states:?}"
        );
    }
    assert_eq!(states.len(), 3);

    // Disqualifying closes the lead: qualification stops there (not met in the sense of
    // sales, but within its time).
    app.clock.set(at("2026-03-02T15:00:00Z"));
    let response = app
        .graphql(
            Some(&org.new_york.1),
            &format!("mutation($id: ID!) {{ disqualifyLead(id: $id, reasonCode: \"bad_fit\") {{ {CLOCK_FIELDS} }} }}"),
            json!({ "id": lead.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let qualification = response["data"]["disqualifyLead"]["slaClocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "QUALIFICATION")
        .unwrap()
        .clone();
    assert_eq!(qualification["state"], "MET");
    assert_eq!(qualification["stoppedAt"], "2026-03-02T15:00:00+00:00");
}

#[tokio::test]
async fn a_clock_exposes_the_calendar_it_counts_in_so_a_client_can_tick_it() {
    let app = spawn_app().await;
    let org = organisation(&app).await;
    one_hour_first_response(&app, &org.admin).await;
    app.clock.set(at("2026-03-06T21:30:00Z"));
    let lead = demo_request_assigned(&app, "ny-cal", org.new_york.0, app.clock.now(), vec![]).await;

    let response = app
        .graphql(
            Some(&org.new_york.1),
            "query($id: ID!) { lead(id: $id) { slaClocks { kind dueAt calendar { timezone weekly { day open close } holidays } } } }",
            json!({ "id": lead.to_string() }),
        )
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let clock = response["data"]["lead"]["slaClocks"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["kind"] == "FIRST_RESPONSE")
        .unwrap()
        .clone();
    let calendar = &clock["calendar"];
    assert_eq!(
        calendar["timezone"], "America/New_York",
        "the owner's calendar: {clock}"
    );
    assert_eq!(calendar["weekly"].as_array().unwrap().len(), 5);
    assert_eq!(
        calendar["weekly"][0],
        json!({ "day": "mon", "open": "09:00", "close": "17:00" })
    );
    // The due instant read back through the exposed calendar is the server's.
    let spec: handoff_shared::sla::CalendarSpec = serde_json::from_value(calendar.clone()).unwrap();
    let parsed = handoff_shared::sla::BusinessCalendar::parse(&spec).unwrap();
    let due = at(clock["dueAt"].as_str().unwrap());
    assert_eq!(parsed.elapsed(app.clock.now(), due).unwrap(), 3600);
}
