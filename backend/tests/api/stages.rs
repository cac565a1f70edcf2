//! Working a lead over GraphQL: the stage machine, touches, replies, reassignment, claiming,
//! and two racing accepts.

use chrono::{DateTime, Duration, Utc};
use handoff::clock::Clock as _;
use handoff::entities::{lead_events, leads, rejection_reasons, users};
use handoff::handoff::store::{LeadRecord, Recorded};
use handoff_shared::lead::{Assignment, LeadEvent, LeadProfile, MqlReason};
use sea_orm::{
    ActiveModelTrait as _, ColumnTrait as _, EntityTrait as _, IntoActiveModel as _,
    QueryFilter as _, QueryOrder as _, Set,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, error_field, spawn_app};

pub const ACCEPT: &str =
    "mutation($id: ID!) { acceptLead(id: $id) { id status salAt owner { id } } }";
pub const REJECT: &str = "mutation($id: ID!, $reasonCode: String!, $note: String) { rejectLead(id: $id, reasonCode: $reasonCode, note: $note) { id status recycledAt } }";
pub const QUALIFY: &str = "mutation($id: ID!, $bant: BantInput!) { qualifyLead(id: $id, bant: $bant) { id status sqlAt } }";
pub const CONVERT: &str = "mutation($id: ID!, $amount: Float) { convertToOpportunity(id: $id, amount: $amount) { id status opportunityAt } }";
pub const DISQUALIFY: &str = "mutation($id: ID!, $reasonCode: String!, $note: String) { disqualifyLead(id: $id, reasonCode: $reasonCode, note: $note) { id status disqualifiedAt } }";
pub const LOG_TOUCH: &str = "mutation($id: ID!, $channel: TouchChannel!, $outcome: String!, $occurredAt: DateTime) { logTouch(id: $id, channel: $channel, outcome: $outcome, occurredAt: $occurredAt) { id status firstResponseAt cadence { touchesDone touchesPlanned windowDays startedAt nextTouchDueAt onTrack connected ended } } }";
pub const RESPONDED: &str = "mutation($id: ID!, $occurredAt: DateTime) { leadResponded(id: $id, occurredAt: $occurredAt) { id status cadence { connected } } }";
pub const REASSIGN: &str = "mutation($id: ID!, $ownerId: ID!) { reassignLead(id: $id, ownerId: $ownerId) { id owner { id } team { id } } }";
pub const CLAIM: &str = "mutation($id: ID!) { claimLead(id: $id) { id owner { id } team { id } } }";

/// Who works leads in these tests: team A (manager, two reps), team B (manager, one rep),
/// marketing ops and an integration token.
pub struct Org {
    pub app: TestApp,
    pub admin: String,
    pub team_a: i64,
    pub team_b: i64,
    pub manager_a: (i64, String),
    pub manager_b: (i64, String),
    pub rep1: (i64, String),
    pub rep2: (i64, String),
    pub rep3: (i64, String),
    pub marketing: (i64, String),
    pub integration: String,
    /// An ADMIN API token: unlike sessions it survives a clock moved by days.
    pub admin_api: String,
}

fn id_of(value: &Value) -> i64 {
    value
        .as_str()
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("not an id: {value}"))
}

impl Org {
    pub async fn new() -> Self {
        let app = spawn_app().await;
        let admin = app.admin_token().await;
        let (manager_a, manager_a_token) = app
            .user_with_token("manager.a@handoff.test", "MANAGER")
            .await;
        let (manager_b, manager_b_token) = app
            .user_with_token("manager.b@handoff.test", "MANAGER")
            .await;
        let team_a = upsert_team(&app, &admin, "Team A", &manager_a).await;
        let team_b = upsert_team(&app, &admin, "Team B", &manager_b).await;
        let rep1 = rep_in(&app, "rep1@handoff.test", team_a, &manager_a).await;
        let rep2 = rep_in(&app, "rep2@handoff.test", team_a, &manager_a).await;
        let rep3 = rep_in(&app, "rep3@handoff.test", team_b, &manager_b).await;
        let (marketing, marketing_token) = app
            .user_with_token("mops@handoff.test", "MARKETING_OPS")
            .await;
        let integration = api_token(&app, &admin, "INTEGRATION").await;
        let admin_api = api_token(&app, &admin, "ADMIN").await;
        Self {
            admin,
            team_a,
            team_b,
            manager_a: (manager_a.parse().unwrap(), manager_a_token),
            manager_b: (manager_b.parse().unwrap(), manager_b_token),
            rep1,
            rep2,
            rep3,
            marketing: (marketing.parse().unwrap(), marketing_token),
            integration,
            admin_api,
            app,
        }
    }

    /// A lead as intake leaves it: created, MQL, assigned to `owner` in `team` (`owner` None:
    /// waiting in the team's queue).
    pub async fn lead(&self, owner: Option<i64>, team: Option<i64>) -> i64 {
        self.lead_at(owner, team, self.app.clock.now(), "demo_request")
            .await
    }

    pub async fn lead_at(
        &self,
        owner: Option<i64>,
        team: Option<i64>,
        at: DateTime<Utc>,
        lead_type: &str,
    ) -> i64 {
        create_lead(&self.app, owner, team, at, lead_type).await
    }

    /// A lead of rep1 in team A, moved on to `status` (MQL, SAL or SQL) over GraphQL.
    pub async fn lead_in(&self, status: &str) -> i64 {
        let id = self.lead(Some(self.rep1.0), Some(self.team_a)).await;
        if status == "MQL" {
            return id;
        }
        ok(&self
            .app
            .graphql(Some(&self.admin), ACCEPT, json!({ "id": id.to_string() }))
            .await);
        if status == "SAL" {
            return id;
        }
        ok(&self
            .app
            .graphql(
                Some(&self.admin),
                QUALIFY,
                json!({ "id": id.to_string(), "bant": bant() }),
            )
            .await);
        assert_eq!(status, "SQL", "lead_in supports MQL, SAL, SQL");
        id
    }

    pub async fn row(&self, id: i64) -> leads::Model {
        leads::Entity::find_by_id(id)
            .one(self.app.db())
            .await
            .unwrap()
            .unwrap()
    }

    /// The lead's log, oldest first.
    pub async fn events(&self, id: i64) -> Vec<lead_events::Model> {
        lead_events::Entity::find()
            .filter(lead_events::Column::LeadId.eq(id))
            .order_by_asc(lead_events::Column::Id)
            .all(self.app.db())
            .await
            .unwrap()
    }

    pub async fn last_event(&self, id: i64, kind: &str) -> lead_events::Model {
        self.events(id)
            .await
            .into_iter()
            .rev()
            .find(|e| e.kind == kind)
            .unwrap_or_else(|| panic!("no {kind} event on lead {id}"))
    }
}

async fn api_token(app: &TestApp, admin: &str, role: &str) -> String {
    let response = app
        .graphql(
            Some(admin),
            "mutation($role: Role!) { createApiToken(name: \"tests\", role: $role) { token } }",
            json!({ "role": role }),
        )
        .await;
    response["data"]["createApiToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("createApiToken: {response}"))
        .to_owned()
}

async fn upsert_team(app: &TestApp, admin: &str, name: &str, manager: &str) -> i64 {
    let response = app
        .graphql(
            Some(admin),
            "mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }",
            json!({ "input": { "name": name, "managerId": manager } }),
        )
        .await;
    id_of(&response["data"]["upsertTeam"]["id"])
}

async fn rep_in(app: &TestApp, email: &str, team: i64, manager: &str) -> (i64, String) {
    let password = "a-good-password";
    let user = app
        .create_user(
            json!({ "email": email, "name": email, "password": password, "role": "REP",
                             "teamId": team.to_string(), "managerId": manager }),
        )
        .await;
    (id_of(&user["id"]), app.token_for(email, password).await)
}

/// Creates a lead through the library (created, MQL, assigned), as intake would.
pub async fn create_lead(
    app: &TestApp,
    owner: Option<i64>,
    team: Option<i64>,
    at: DateTime<Utc>,
    lead_type: &str,
) -> i64 {
    let db = app.db();
    let external = uuid::Uuid::new_v4().simple().to_string();
    let profile = LeadProfile {
        email: format!("{external}@example.com"),
        company: Some("Example".into()),
        lead_type: lead_type.into(),
        ..Default::default()
    };
    let now = app.clock.now();
    let mut record = LeadRecord::create(db, profile, &external, None, at, now)
        .await
        .unwrap();
    let events = [
        LeadEvent::Mql {
            reason: MqlReason::InstantType,
            score: 0,
        },
        LeadEvent::Assigned(Assignment {
            owner_id: owner,
            team_id: team,
            method: if owner.is_some() {
                "round_robin"
            } else {
                "queue"
            }
            .into(),
            rule: None,
            previous_owner_id: None,
            detail: None,
        }),
    ];
    for event in events {
        record
            .append(
                db,
                Recorded {
                    event,
                    actor_id: None,
                    occurred_at: at,
                },
                now,
            )
            .await
            .unwrap();
    }
    record.save(db).await.unwrap();
    record.id
}

pub fn bant() -> Value {
    json!({ "budget": true, "authority": true, "need": true, "timeline": false, "notes": "Q3 budget" })
}

/// Asserts a response has no errors and returns it.
pub fn ok(response: &Value) -> &Value {
    assert!(
        response["errors"].is_null(),
        "unexpected errors: {response}"
    );
    response
}

fn message(response: &Value) -> &str {
    response["errors"][0]["message"]
        .as_str()
        .unwrap_or_default()
}

#[tokio::test]
async fn accepting_an_mql_lead_makes_it_sal_and_tells_subscribers() {
    let org = Org::new().await;
    let id = org.lead(Some(org.rep1.0), Some(org.team_a)).await;
    let mut live = org.app.state.events.subscribe();
    let response = org
        .app
        .graphql(Some(&org.rep1.1), ACCEPT, json!({ "id": id.to_string() }))
        .await;
    let lead = &ok(&response)["data"]["acceptLead"];
    assert_eq!(lead["status"], "SAL");
    assert!(lead["salAt"].is_string());
    let event = org.last_event(id, "accepted").await;
    assert_eq!(event.actor_id, Some(org.rep1.0));
    assert_eq!(event.from_status.as_deref(), Some("MQL"));
    assert_eq!(event.to_status.as_deref(), Some("SAL"));
    let notice = tokio::time::timeout(std::time::Duration::from_secs(5), live.recv())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(notice.owner_id(), Some(org.rep1.0));
}

#[tokio::test]
async fn accepting_an_accepted_lead_is_conflict() {
    let org = Org::new().await;
    let id = org.lead_in("SAL").await;
    let response = org
        .app
        .graphql(Some(&org.rep1.1), ACCEPT, json!({ "id": id.to_string() }))
        .await;
    assert_eq!(error_code(&response), "CONFLICT");
    assert!(
        message(&response).contains("already accepted"),
        "{response}"
    );
}

#[tokio::test]
async fn every_invalid_stage_move_is_bad_user_input_listing_the_allowed_moves() {
    let org = Org::new().await;
    let mql = org.lead_in("MQL").await.to_string();
    let sql = org.lead_in("SQL").await.to_string();
    let cases = [
        (
            "qualifying an MQL lead",
            QUALIFY,
            json!({ "id": mql, "bant": bant() }),
            "SAL, RECYCLED, DISQUALIFIED",
        ),
        (
            "converting an MQL lead",
            CONVERT,
            json!({ "id": mql }),
            "SAL, RECYCLED, DISQUALIFIED",
        ),
        (
            "accepting an SQL lead",
            ACCEPT,
            json!({ "id": sql }),
            "OPPORTUNITY, RECYCLED, DISQUALIFIED",
        ),
    ];
    for (case, query, variables, allowed) in cases {
        let response = org.app.graphql(Some(&org.admin), query, variables).await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{case}: {response}"
        );
        assert_eq!(error_field(&response), "status", "{case}");
        assert!(message(&response).contains(allowed), "{case}: {response}");
    }
    // A closed lead cannot move at all.
    ok(&org
        .app
        .graphql(
            Some(&org.admin),
            CONVERT,
            json!({ "id": sql, "amount": 1000.0 }),
        )
        .await);
    let response = org
        .app
        .graphql(
            Some(&org.admin),
            DISQUALIFY,
            json!({ "id": sql, "reasonCode": "bad_fit" }),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert!(
        message(&response).contains("cannot change stage"),
        "{response}"
    );
}

#[tokio::test]
async fn rejecting_without_an_active_reason_is_bad_user_input_on_reason_code() {
    let org = Org::new().await;
    let mut inactive = rejection_reasons::Entity::find_by_id("bad_timing")
        .one(org.app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    inactive.active = Set(false);
    inactive.update(org.app.db()).await.unwrap();
    let id = org.lead_in("MQL").await.to_string();
    for (case, code) in [
        ("blank", ""),
        ("spaces", "   "),
        ("unknown", "too_expensive"),
        ("not a code", "Bad Fit!"),
        ("inactive", "bad_timing"),
    ] {
        for query in [REJECT, DISQUALIFY] {
            let response = org
                .app
                .graphql(
                    Some(&org.rep1.1),
                    query,
                    json!({ "id": id, "reasonCode": code }),
                )
                .await;
            assert_eq!(
                error_code(&response),
                "BAD_USER_INPUT",
                "{case}: {response}"
            );
            assert_eq!(error_field(&response), "reasonCode", "{case}");
        }
    }
    assert_eq!(org.row(id.parse().unwrap()).await.status, "MQL");
}

#[tokio::test]
async fn rejecting_recycles_the_lead_with_reason_note_and_recycle_play() {
    let org = Org::new().await;
    let mut reason = rejection_reasons::Entity::find_by_id("no_budget")
        .one(org.app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    reason.recycle_play = Set(Some("budget-cycle-nurture".into()));
    reason.update(org.app.db()).await.unwrap();
    let id = org.lead_in("MQL").await;
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            REJECT,
            json!({ "id": id.to_string(), "reasonCode": " no_budget ", "note": "  next fiscal year " }),
        )
        .await;
    assert_eq!(ok(&response)["data"]["rejectLead"]["status"], "RECYCLED");
    let row = org.row(id).await;
    assert_eq!(row.rejection_reason.as_deref(), Some("no_budget"));
    assert_eq!(row.rejection_note.as_deref(), Some("next fiscal year"));
    assert!(row.recycled_at.is_some());
    let event = org.last_event(id, "rejected").await;
    let payload: Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(
        payload,
        json!({ "reason_code": "no_budget", "note": "next fiscal year", "recycle_play": "budget-cycle-nurture" })
    );
    let again = org
        .app
        .graphql(
            Some(&org.rep1.1),
            REJECT,
            json!({ "id": id.to_string(), "reasonCode": "bad_fit" }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
}

#[tokio::test]
async fn the_happy_path_stores_bant_and_the_amount() {
    let org = Org::new().await;
    let id = org.lead_in("SAL").await.to_string();
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            QUALIFY,
            json!({ "id": id, "bant": bant() }),
        )
        .await;
    assert_eq!(ok(&response)["data"]["qualifyLead"]["status"], "SQL");
    let row = org.row(id.parse().unwrap()).await;
    let stored: Value = serde_json::from_str(row.bant.as_deref().unwrap()).unwrap();
    assert_eq!(stored, bant());

    let negative = org
        .app
        .graphql(
            Some(&org.rep1.1),
            CONVERT,
            json!({ "id": id, "amount": -1.0 }),
        )
        .await;
    assert_eq!(error_code(&negative), "BAD_USER_INPUT");
    assert_eq!(error_field(&negative), "amount");

    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            CONVERT,
            json!({ "id": id, "amount": 25000.5 }),
        )
        .await;
    assert_eq!(
        ok(&response)["data"]["convertToOpportunity"]["status"],
        "OPPORTUNITY"
    );
    assert_eq!(org.row(id.parse().unwrap()).await.amount, Some(25000.5));
}

#[tokio::test]
async fn disqualifying_needs_a_reason_and_closes_the_lead() {
    let org = Org::new().await;
    let id = org.lead_in("SAL").await.to_string();
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            DISQUALIFY,
            json!({ "id": id, "reasonCode": "competitor", "note": "uses a rival" }),
        )
        .await;
    assert_eq!(
        ok(&response)["data"]["disqualifyLead"]["status"],
        "DISQUALIFIED"
    );
    let row = org.row(id.parse().unwrap()).await;
    assert_eq!(row.disqualify_reason.as_deref(), Some("competitor"));
    let again = org
        .app
        .graphql(
            Some(&org.rep1.1),
            DISQUALIFY,
            json!({ "id": id, "reasonCode": "competitor" }),
        )
        .await;
    assert_eq!(error_code(&again), "CONFLICT");
    assert!(message(&again).contains("already disqualified"));
}

#[tokio::test]
async fn the_first_touch_stamps_first_response_and_outcomes_decide_connected() {
    let org = Org::new().await;
    let id = org.lead_in("MQL").await;
    let first = org.app.clock.now();
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            LOG_TOUCH,
            json!({ "id": id.to_string(), "channel": "CALL", "outcome": "left voicemail" }),
        )
        .await;
    let lead = &ok(&response)["data"]["logTouch"];
    assert_eq!(lead["status"], "MQL", "a touch does not move the stage");
    let stamped: DateTime<Utc> = lead["firstResponseAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(stamped, first);
    assert_eq!(lead["cadence"]["touchesDone"], 1);
    assert_eq!(lead["cadence"]["connected"], false);
    let payload: Value = serde_json::from_str(&org.last_event(id, "touch").await.payload).unwrap();
    assert_eq!(
        payload,
        json!({ "channel": "CALL", "outcome": "left voicemail", "connected": false })
    );

    org.app.clock.advance(Duration::hours(3));
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            LOG_TOUCH,
            json!({ "id": id.to_string(), "channel": "EMAIL", "outcome": "Replied" }),
        )
        .await;
    let lead = &ok(&response)["data"]["logTouch"];
    let stamped: DateTime<Utc> = lead["firstResponseAt"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        stamped, first,
        "only the first touch stamps firstResponseAt"
    );
    assert_eq!(lead["cadence"]["connected"], true);
    assert_eq!(org.row(id).await.touches, 2);
}

#[tokio::test]
async fn occurred_at_is_checked_against_now_and_the_lead_creation() {
    let org = Org::new().await;
    let now = org.app.clock.now();
    let created = now - Duration::days(1);
    let id = org
        .lead_at(Some(org.rep1.0), Some(org.team_a), created, "demo_request")
        .await
        .to_string();
    let touch = |at: DateTime<Utc>| json!({ "id": id, "channel": "CALL", "outcome": "no answer", "occurredAt": at.to_rfc3339() });
    for (case, at) in [
        ("an hour ahead", now + Duration::hours(1)),
        ("before the lead existed", created - Duration::seconds(1)),
    ] {
        for query in [LOG_TOUCH, RESPONDED] {
            let response = org.app.graphql(Some(&org.rep1.1), query, touch(at)).await;
            assert_eq!(
                error_code(&response),
                "BAD_USER_INPUT",
                "{case}: {response}"
            );
            assert_eq!(error_field(&response), "occurredAt", "{case}");
        }
    }
    // A little clock skew reads as now.
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            LOG_TOUCH,
            touch(now + Duration::seconds(30)),
        )
        .await;
    let stamped: DateTime<Utc> = ok(&response)["data"]["logTouch"]["firstResponseAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(stamped, now);
    // A touch logged late, but that happened earlier, becomes the first response.
    let earlier = now - Duration::hours(20);
    let response = org
        .app
        .graphql(Some(&org.rep1.1), LOG_TOUCH, touch(earlier))
        .await;
    let stamped: DateTime<Utc> = ok(&response)["data"]["logTouch"]["firstResponseAt"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(stamped, earlier);
    let event = org.last_event(id.parse().unwrap(), "touch").await;
    assert_eq!(event.occurred_at, earlier);
    assert_eq!(event.recorded_at, now);
}

#[tokio::test]
async fn a_reply_is_recorded_and_counts_as_a_connect() {
    let org = Org::new().await;
    let id = org.lead_in("SAL").await;
    let response = org
        .app
        .graphql(
            Some(&org.rep1.1),
            RESPONDED,
            json!({ "id": id.to_string() }),
        )
        .await;
    assert_eq!(
        ok(&response)["data"]["leadResponded"]["cadence"]["connected"],
        true
    );
    let event = org.last_event(id, "responded").await;
    assert_eq!(event.actor_id, Some(org.rep1.0));
}

#[tokio::test]
async fn only_open_leads_take_touches() {
    let org = Org::new().await;
    let id = org.lead_in("MQL").await.to_string();
    ok(&org
        .app
        .graphql(
            Some(&org.rep1.1),
            REJECT,
            json!({ "id": id, "reasonCode": "bad_fit" }),
        )
        .await);
    for query in [LOG_TOUCH, RESPONDED] {
        let response = org
            .app
            .graphql(
                Some(&org.rep1.1),
                query,
                json!({ "id": id, "channel": "CALL", "outcome": "connected" }),
            )
            .await;
        // RESPONDED ignores the extra variables.
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(error_field(&response), "status");
    }
    let blank = org
        .app
        .graphql(Some(&org.admin), LOG_TOUCH, json!({ "id": org.lead_in("MQL").await.to_string(), "channel": "CALL", "outcome": " " }))
        .await;
    assert_eq!(error_field(&blank), "outcome");
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found_and_bad_input() {
    let org = Org::new().await;
    let missing = org
        .app
        .graphql(Some(&org.admin), ACCEPT, json!({ "id": "999999" }))
        .await;
    assert_eq!(error_code(&missing), "NOT_FOUND");
    let malformed = org
        .app
        .graphql(Some(&org.admin), ACCEPT, json!({ "id": "lead-1" }))
        .await;
    assert_eq!(error_code(&malformed), "BAD_USER_INPUT");
    assert_eq!(error_field(&malformed), "id");
    let anonymous = org.app.graphql(None, ACCEPT, json!({ "id": "1" })).await;
    assert_eq!(error_code(&anonymous), "UNAUTHENTICATED");
}

#[tokio::test]
async fn a_manager_reassigns_a_lead_and_the_log_keeps_the_previous_owner() {
    let org = Org::new().await;
    let id = org.lead_in("MQL").await;
    let response = org
        .app
        .graphql(
            Some(&org.manager_a.1),
            REASSIGN,
            json!({ "id": id.to_string(), "ownerId": org.rep3.0.to_string() }),
        )
        .await;
    let lead = &ok(&response)["data"]["reassignLead"];
    assert_eq!(lead["owner"]["id"], org.rep3.0.to_string());
    assert_eq!(
        lead["team"]["id"],
        org.team_b.to_string(),
        "the lead joins the new owner's team"
    );
    let event = org.last_event(id, "assigned").await;
    assert_eq!(event.actor_id, Some(org.manager_a.0));
    let payload: Value = serde_json::from_str(&event.payload).unwrap();
    assert_eq!(payload["method"], "manual");
    assert_eq!(payload["previous_owner_id"], org.rep1.0);

    // The previous owner no longer works it.
    let response = org
        .app
        .graphql(Some(&org.rep1.1), ACCEPT, json!({ "id": id.to_string() }))
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN");
    // The same owner again is a no-op that lost a race.
    let response = org
        .app
        .graphql(
            Some(&org.admin),
            REASSIGN,
            json!({ "id": id.to_string(), "ownerId": org.rep3.0.to_string() }),
        )
        .await;
    assert_eq!(error_code(&response), "CONFLICT");
}

#[tokio::test]
async fn a_lead_goes_only_to_an_active_rep_or_manager() {
    let org = Org::new().await;
    let id = org.lead_in("MQL").await.to_string();
    let mut gone = users::Entity::find_by_id(org.rep2.0)
        .one(org.app.db())
        .await
        .unwrap()
        .unwrap()
        .into_active_model();
    gone.active = Set(false);
    gone.update(org.app.db()).await.unwrap();
    for (case, owner) in [
        ("marketing ops", org.marketing.0.to_string()),
        ("an inactive rep", org.rep2.0.to_string()),
        ("nobody", "424242".to_owned()),
    ] {
        let response = org
            .app
            .graphql(
                Some(&org.admin),
                REASSIGN,
                json!({ "id": id, "ownerId": owner }),
            )
            .await;
        assert_eq!(
            error_code(&response),
            "BAD_USER_INPUT",
            "{case}: {response}"
        );
        assert_eq!(error_field(&response), "ownerId", "{case}");
    }
    let response = org
        .app
        .graphql(
            Some(&org.admin),
            REASSIGN,
            json!({ "id": id, "ownerId": org.manager_b.0.to_string() }),
        )
        .await;
    ok(&response);
}

#[tokio::test]
async fn a_rep_claims_a_lead_from_their_team_queue_once() {
    let org = Org::new().await;
    let id = org.lead(None, Some(org.team_a)).await.to_string();

    // Nobody accepts a lead nobody owns.
    let response = org
        .app
        .graphql(Some(&org.manager_a.1), ACCEPT, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
    // Another team's rep may not take it.
    let response = org
        .app
        .graphql(Some(&org.rep3.1), CLAIM, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&response), "FORBIDDEN");

    let response = org
        .app
        .graphql(Some(&org.rep2.1), CLAIM, json!({ "id": id }))
        .await;
    let lead = &ok(&response)["data"]["claimLead"];
    assert_eq!(lead["owner"]["id"], org.rep2.0.to_string());
    assert_eq!(lead["team"]["id"], org.team_a.to_string());
    let payload: Value = serde_json::from_str(
        &org.last_event(id.parse().unwrap(), "assigned")
            .await
            .payload,
    )
    .unwrap();
    assert_eq!(payload["method"], "claim");

    let response = org
        .app
        .graphql(Some(&org.rep1.1), CLAIM, json!({ "id": id }))
        .await;
    assert_eq!(error_code(&response), "CONFLICT");
    ok(&org
        .app
        .graphql(Some(&org.rep2.1), ACCEPT, json!({ "id": id }))
        .await);
}

/// Both calls go out together; exactly one may win, the other sees CONFLICT.
async fn race(org: &Org, query: &str, id: i64) -> (usize, usize) {
    let variables = json!({ "id": id.to_string() });
    let (a, b) = tokio::join!(
        org.app.graphql(Some(&org.rep1.1), query, variables.clone()),
        org.app
            .graphql(Some(&org.manager_a.1), query, variables.clone()),
    );
    let mut wins = 0;
    let mut conflicts = 0;
    for response in [&a, &b] {
        if response["errors"].is_null() {
            wins += 1;
        } else {
            assert_eq!(error_code(response), "CONFLICT", "{response}");
            conflicts += 1;
        }
    }
    (wins, conflicts)
}

#[tokio::test]
async fn two_concurrent_accepts_one_wins_the_other_is_conflict() {
    let org = Org::new().await;
    let rounds =
        if std::env::var("HANDOFF_TEST_DB").is_ok_and(|k| k.eq_ignore_ascii_case("postgres")) {
            50
        } else {
            15
        };
    for round in 0..rounds {
        let id = org.lead(Some(org.rep1.0), Some(org.team_a)).await;
        let (wins, conflicts) = race(&org, ACCEPT, id).await;
        assert_eq!((wins, conflicts), (1, 1), "round {round}");
        let accepted = org
            .events(id)
            .await
            .into_iter()
            .filter(|e| e.kind == "accepted")
            .count();
        assert_eq!(accepted, 1, "round {round}: one accepted event");
        assert_eq!(org.row(id).await.status, "SAL");
    }
}

#[tokio::test]
async fn two_concurrent_claims_give_the_lead_one_owner() {
    let org = Org::new().await;
    for round in 0..10 {
        let id = org.lead(None, Some(org.team_a)).await;
        let (wins, conflicts) = race(&org, CLAIM, id).await;
        assert_eq!((wins, conflicts), (1, 1), "round {round}");
    }
}

#[tokio::test]
async fn an_ingested_lead_is_worked_from_mql_to_opportunity() {
    let app = spawn_app().await;
    // A rep created without a team joins `default`, which routes round-robin.
    let (rep, token) = app.user_with_token("solo@handoff.test", "REP").await;
    let admin = app.admin_token().await;
    let ingested = app
        .graphql(
            Some(&admin),
            "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { errors { field message } leads { id status owner { id } cadence { touchesPlanned } } } }",
            json!({ "leads": [{ "externalId": "crm-1", "email": "ada@example.com", "company": "Example", "leadType": "demo_request" }] }),
        )
        .await;
    let lead = &ok(&ingested)["data"]["ingestLeads"]["leads"][0];
    assert_eq!(lead["status"], "MQL", "{ingested}");
    assert_eq!(lead["owner"]["id"], rep, "{ingested}");
    assert_eq!(lead["cadence"]["touchesPlanned"], 6);
    let id = lead["id"].clone();
    let steps = [
        (
            LOG_TOUCH,
            json!({ "id": id, "channel": "CALL", "outcome": "connected" }),
            "logTouch",
            "MQL",
        ),
        (ACCEPT, json!({ "id": id }), "acceptLead", "SAL"),
        (
            QUALIFY,
            json!({ "id": id, "bant": bant() }),
            "qualifyLead",
            "SQL",
        ),
        (
            CONVERT,
            json!({ "id": id, "amount": 12000.0 }),
            "convertToOpportunity",
            "OPPORTUNITY",
        ),
    ];
    for (query, variables, field, status) in steps {
        let response = app.graphql(Some(&token), query, variables).await;
        assert_eq!(ok(&response)["data"][field]["status"], status, "{field}");
    }
}
