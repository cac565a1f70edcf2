//! The follow-up cadence on `Lead.cadence`, and recycling leads whose cadence ran out without a
//! connect (run with an injected `now`).

use chrono::{DateTime, Duration, Utc};
use handoff::clock::Clock as _;
use handoff::entities::lead_types;
use handoff::handoff::cadence;
use sea_orm::{ActiveModelTrait as _, EntityTrait as _, IntoActiveModel as _, Set};
use serde_json::{Value, json};

use crate::stages::{ACCEPT, LOG_TOUCH, Org, QUALIFY, RESPONDED, bant, ok};

fn time(value: &Value) -> DateTime<Utc> {
    value
        .as_str()
        .unwrap_or_else(|| panic!("not a time: {value}"))
        .parse()
        .unwrap()
}

async fn touch(org: &Org, id: i64, outcome: &str) -> Value {
    let response = org
        .app
        .graphql(
            Some(&org.admin_api),
            LOG_TOUCH,
            json!({ "id": id.to_string(), "channel": "CALL", "outcome": outcome }),
        )
        .await;
    ok(&response)["data"]["logTouch"]["cadence"].clone()
}

async fn set_cadence(org: &Org, lead_type: &str, touches: i32, days: i32) {
    let mut row = lead_types::Entity::find_by_id(lead_type)
        .one(org.app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    row.cadence_touches = Set(Some(touches));
    row.cadence_days = Set(Some(days));
    row.update(org.app.db()).await.unwrap();
}

#[tokio::test]
async fn the_default_cadence_is_six_touches_over_fourteen_days_from_assignment() {
    let org = Org::new().await;
    let assigned = org.app.clock.now();
    let id = org.lead(Some(org.rep1.0), Some(org.team_a)).await;
    org.app.clock.advance(Duration::hours(1));
    let cadence = touch(&org, id, "no answer").await;
    assert_eq!(cadence["touchesDone"], 1);
    assert_eq!(cadence["touchesPlanned"], 6);
    assert_eq!(cadence["windowDays"], 14);
    assert_eq!(time(&cadence["startedAt"]), assigned);
    // 14 days / 6 touches: the second is due 2 days 8 hours after assignment.
    assert_eq!(
        time(&cadence["nextTouchDueAt"]),
        assigned + Duration::hours(56)
    );
    assert_eq!(cadence["onTrack"], true);
    assert_eq!(cadence["connected"], false);
    assert_eq!(cadence["ended"], false);

    let response = org
        .app
        .graphql(
            Some(&org.admin_api),
            RESPONDED,
            json!({ "id": id.to_string() }),
        )
        .await;
    assert_eq!(
        ok(&response)["data"]["leadResponded"]["cadence"]["connected"],
        true
    );
}

#[tokio::test]
async fn falling_behind_and_catching_up() {
    let org = Org::new().await;
    let assigned = org.app.clock.now();
    let id = org.lead(Some(org.rep1.0), Some(org.team_a)).await;
    touch(&org, id, "no answer").await;
    org.app.clock.set(assigned + Duration::days(5));
    // Due by day 5: touches 0, 1 (day 2.33) and 2 (day 4.67): one done, so behind.
    let cadence = touch(&org, id, "left voicemail").await;
    assert_eq!(cadence["touchesDone"], 2);
    assert_eq!(cadence["onTrack"], false);
    let cadence = touch(&org, id, "sent").await;
    assert_eq!(cadence["onTrack"], true);
    assert_eq!(
        time(&cadence["nextTouchDueAt"]),
        assigned + Duration::days(7)
    );
    let cadence = touch(&org, id, "connected").await;
    assert_eq!(cadence["connected"], true);
    assert!(
        cadence["nextTouchDueAt"].is_null(),
        "a connect ends the plan"
    );
    org.app.clock.set(assigned + Duration::days(14));
    let response = org
        .app
        .graphql(
            Some(&org.admin_api),
            LOG_TOUCH,
            json!({ "id": id.to_string(), "channel": "MEETING", "outcome": "held" }),
        )
        .await;
    assert_eq!(ok(&response)["data"]["logTouch"]["cadence"]["ended"], true);
}

#[tokio::test]
async fn a_lead_type_plans_its_own_cadence() {
    let org = Org::new().await;
    set_cadence(&org, "webinar", 3, 6).await;
    let assigned = org.app.clock.now();
    let id = org
        .lead_at(Some(org.rep1.0), Some(org.team_a), assigned, "webinar")
        .await;
    let cadence = touch(&org, id, "no answer").await;
    assert_eq!(cadence["touchesPlanned"], 3);
    assert_eq!(cadence["windowDays"], 6);
    assert_eq!(
        time(&cadence["nextTouchDueAt"]),
        assigned + Duration::days(2)
    );
}

#[tokio::test]
async fn leads_whose_cadence_ended_without_a_connect_are_recycled_as_no_response() {
    let org = Org::new().await;
    let start = org.app.clock.now();
    let owner = Some(org.rep1.0);
    let team = Some(org.team_a);
    let silent = org.lead(owner, team).await;
    let touched = org.lead(owner, team).await;
    let connected = org.lead(owner, team).await;
    let replied = org.lead(owner, team).await;
    let accepted = org.lead(owner, team).await;
    let qualified = org.lead(owner, team).await;
    let queued = org.lead(None, team).await;
    touch(&org, touched, "no answer").await;
    touch(&org, touched, "left voicemail").await;
    touch(&org, connected, "connected").await;
    ok(&org
        .app
        .graphql(
            Some(&org.admin),
            RESPONDED,
            json!({ "id": replied.to_string() }),
        )
        .await);
    ok(&org
        .app
        .graphql(
            Some(&org.admin),
            ACCEPT,
            json!({ "id": accepted.to_string() }),
        )
        .await);
    ok(&org
        .app
        .graphql(
            Some(&org.admin),
            ACCEPT,
            json!({ "id": qualified.to_string() }),
        )
        .await);
    ok(&org
        .app
        .graphql(
            Some(&org.admin),
            QUALIFY,
            json!({ "id": qualified.to_string(), "bant": bant() }),
        )
        .await);
    org.app.clock.advance(Duration::days(2));
    let late = org.lead(owner, team).await;

    let db = org.app.db();
    let before_end = start + Duration::days(14) - Duration::seconds(1);
    assert_eq!(cadence::recycle_exhausted(db, before_end).await.unwrap(), 0);

    let now = start + Duration::days(14);
    assert_eq!(cadence::recycle_exhausted(db, now).await.unwrap(), 4);
    for (lead, status) in [
        (silent, "RECYCLED"),
        (touched, "RECYCLED"),
        (accepted, "RECYCLED"),
        (queued, "RECYCLED"),
        (connected, "MQL"),
        (replied, "MQL"),
        (qualified, "SQL"),
        (late, "MQL"),
    ] {
        assert_eq!(org.row(lead).await.status, status, "lead {lead}");
    }
    let row = org.row(touched).await;
    assert_eq!(row.rejection_reason.as_deref(), Some("no_response"));
    assert_eq!(row.recycled_at, Some(now));
    let event = org.last_event(touched, "recycled").await;
    assert_eq!(event.actor_id, None);
    assert_eq!(event.occurred_at, now);
    let payload: Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(payload["reason_code"], "no_response");
    assert_eq!(payload["automatic"], true);
    assert!(
        payload["note"].as_str().unwrap().contains("2 of 6 touches"),
        "{payload}"
    );

    // Nothing left to do; the late lead's window ends two days later.
    assert_eq!(cadence::recycle_exhausted(db, now).await.unwrap(), 0);
    assert_eq!(
        cadence::recycle_exhausted(db, now + Duration::days(2))
            .await
            .unwrap(),
        1
    );
}

#[tokio::test]
async fn a_shorter_cadence_recycles_sooner() {
    let org = Org::new().await;
    set_cadence(&org, "webinar", 3, 3).await;
    let start = org.app.clock.now();
    let webinar = org
        .lead_at(Some(org.rep1.0), Some(org.team_a), start, "webinar")
        .await;
    let demo = org.lead(Some(org.rep1.0), Some(org.team_a)).await;
    let db = org.app.db();
    assert_eq!(
        cadence::recycle_exhausted(db, start + Duration::days(4))
            .await
            .unwrap(),
        1
    );
    assert_eq!(org.row(webinar).await.status, "RECYCLED");
    assert_eq!(org.row(demo).await.status, "MQL");
}
