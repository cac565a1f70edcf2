//! The lead rows and their SLA clocks are projections of the event log: `handoff rebuild`
//! recomputes them from the log and arrives at exactly the rows the live system wrote.

use std::process::Command;

use chrono::{Datelike as _, Duration, TimeZone as _, Utc};
use handoff::clock::Clock as _;
use handoff::entities::{leads, sla_clocks, sla_policies};
use handoff::handoff::rebuild::rebuild_leads;
use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait as _, EntityTrait as _, IntoActiveModel as _, QueryFilter as _, QueryOrder as _,
};
use serde_json::{Value, json};

use crate::helpers::{TestApp, spawn_app};

const INGEST: &str = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created leads { id status } errors { index field message } } }";
const ACCEPT: &str = "mutation($id: ID!) { acceptLead(id: $id) { id status } }";
const REJECT: &str = "mutation($id: ID!, $reasonCode: String!, $note: String) { rejectLead(id: $id, reasonCode: $reasonCode, note: $note) { id status } }";
const TOUCH: &str = "mutation($id: ID!, $channel: TouchChannel!, $outcome: String!) { logTouch(id: $id, channel: $channel, outcome: $outcome) { id } }";
const RESPONDED: &str = "mutation($id: ID!) { leadResponded(id: $id) { id } }";
const QUALIFY: &str =
    "mutation($id: ID!, $bant: BantInput!) { qualifyLead(id: $id, bant: $bant) { id status } }";
const CONVERT: &str = "mutation($id: ID!, $amount: Float) { convertToOpportunity(id: $id, amount: $amount) { id status } }";
const DISQUALIFY: &str = "mutation($id: ID!, $reasonCode: String!) { disqualifyLead(id: $id, reasonCode: $reasonCode) { id status } }";
const ENGAGE: &str =
    "mutation($input: EngagementInput!) { recordEngagement(input: $input) { id score status } }";
const REASSIGN: &str =
    "mutation($id: ID!, $ownerId: ID!) { reassignLead(id: $id, ownerId: $ownerId) { id } }";
const UPSERT_CALENDAR: &str =
    "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }";
const UPSERT_SLA_POLICY: &str =
    "mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }";

fn ok(response: Value) -> Value {
    assert!(
        response["errors"].is_null(),
        "unexpected errors: {response}"
    );
    response
}

async fn all_leads(app: &TestApp) -> Vec<leads::Model> {
    leads::Entity::find()
        .order_by_asc(leads::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

async fn all_clocks(app: &TestApp) -> Vec<sla_clocks::Model> {
    sla_clocks::Entity::find()
        .order_by_asc(sla_clocks::Column::Id)
        .all(app.db())
        .await
        .unwrap()
}

/// The SLA setup the clocks below run under: demo requests pause ACCEPTANCE on a reply and
/// get a two-hour QUALIFICATION promise that pauses too; a rep in Berlin on Berlin hours.
/// Returns the Berlin rep's id.
async fn sla_setup(app: &TestApp, admin: &str) -> String {
    for input in [
        json!({ "name": "Demo acceptance", "leadType": "demo_request", "kind": "ACCEPTANCE", "targetSeconds": 14400, "pauseOnResponse": true }),
        json!({ "name": "Demo qualification", "leadType": "demo_request", "kind": "QUALIFICATION", "targetSeconds": 7200, "pauseOnResponse": true }),
    ] {
        ok(app
            .graphql(Some(admin), UPSERT_SLA_POLICY, json!({ "input": input }))
            .await);
    }
    let weekly: Vec<Value> = ["mon", "tue", "wed", "thu", "fri"]
        .iter()
        .map(|day| json!({ "day": day, "open": "09:00", "close": "17:00" }))
        .collect();
    let calendar = ok(app
        .graphql(
            Some(admin),
            UPSERT_CALENDAR,
            json!({ "input": { "name": "Berlin", "calendar": { "timezone": "Europe/Berlin", "weekly": weekly } } }),
        )
        .await);
    let calendar = calendar["data"]["upsertBusinessCalendar"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let rep = app
        .create_user(json!({ "email": "berlin@handoff.test", "name": "Berlin rep", "password": "a-good-password", "role": "REP", "calendarId": calendar }))
        .await;
    rep["id"].as_str().unwrap().to_owned()
}

/// Leads in every stage, worked through the API over a few simulated hours, from a Monday
/// 10:00 UTC (office hours in every calendar involved).
async fn work_some_leads(app: &TestApp) {
    let now = app.clock.now();
    let monday =
        now.date_naive() + Duration::days(7 - i64::from(now.weekday().num_days_from_monday()));
    app.clock
        .set(Utc.from_utc_datetime(&monday.and_hms_opt(10, 0, 0).unwrap()));
    let session = app.admin_token().await;
    // An API token outlives the session across the simulated hours.
    let token = app
        .graphql(
            Some(&session),
            "mutation { createApiToken(name: \"rebuild test\", role: ADMIN) { token } }",
            json!({}),
        )
        .await;
    let admin = token["data"]["createApiToken"]["token"]
        .as_str()
        .unwrap_or_else(|| panic!("createApiToken: {token}"))
        .to_owned();
    for i in 1..=3 {
        app.user_with_token(&format!("rep{i}@handoff.test"), "REP")
            .await;
    }
    let berlin_rep = sla_setup(app, &admin).await;
    let mut inputs = Vec::new();
    for i in 0..24 {
        let lead_type = if i % 6 == 0 {
            "content_download"
        } else {
            "demo_request"
        };
        let mut input = json!({
            "externalId": format!("lead-{i}"),
            "email": format!("person{i}@company{i}.com"),
            "firstName": "Pat",
            "title": if i % 2 == 0 { "VP Sales" } else { "Engineer" },
            "company": format!("Company {i}"),
            "companySize": 40 + i * 50,
            "country": "US",
            "source": if i % 2 == 0 { "webinar" } else { "paid_search" },
            "campaign": "q1",
            "leadType": lead_type,
        });
        if i % 8 == 5 {
            // Backfilled history, older than now.
            let at = |days: i64| (app.clock.now() - Duration::days(days)).to_rfc3339();
            input["occurredAt"] = json!(at(30));
            input["events"] = json!([
                { "kind": "engagement", "occurredAt": at(29), "engagement": "pricing_page" },
                { "kind": "mql", "occurredAt": at(28) },
                { "kind": "assigned", "occurredAt": at(28), "ownerEmail": "rep2@handoff.test" },
                { "kind": "accepted", "occurredAt": at(27) },
                { "kind": "touch", "occurredAt": at(27), "channel": "CALL", "outcome": "connected" },
            ]);
        }
        inputs.push(input);
    }
    let ingested = ok(app
        .graphql(Some(&admin), INGEST, json!({ "leads": inputs }))
        .await);
    let result = &ingested["data"]["ingestLeads"];
    assert_eq!(result["errors"], json!([]), "{ingested}");
    let ids: Vec<String> = result["leads"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| l["id"].as_str().unwrap().to_owned())
        .collect();
    let call = |id: &str, query: &'static str, extra: Value| {
        let mut variables = json!({ "id": id });
        if let (Value::Object(vars), Value::Object(more)) = (&mut variables, extra) {
            vars.extend(more);
        }
        let admin = admin.clone();
        async move { app.graphql(Some(&admin), query, variables).await }
    };
    for (i, id) in ids.iter().enumerate() {
        app.clock.advance(Duration::minutes(7));
        if i % 8 == 5 {
            continue;
        }
        match i % 6 {
            0 => {
                // Engagement until it qualifies, then accepted.
                for _ in 0..3 {
                    ok(app
                        .graphql(
                            Some(&admin),
                            ENGAGE,
                            json!({ "input": { "leadId": id, "engagement": "pricing_page" } }),
                        )
                        .await);
                }
            }
            1 => {
                ok(call(
                    id,
                    TOUCH,
                    json!({ "channel": "EMAIL", "outcome": "left message" }),
                )
                .await);
                ok(call(id, ACCEPT, json!({})).await);
            }
            2 => {
                ok(call(
                    id,
                    REJECT,
                    json!({ "reasonCode": "no_budget", "note": "next year" }),
                )
                .await);
            }
            3 => {
                ok(call(id, ACCEPT, json!({})).await);
                ok(call(id, RESPONDED, json!({})).await);
                ok(call(
                    id,
                    QUALIFY,
                    json!({ "bant": { "budget": true, "authority": true, "need": true, "timeline": false } }),
                )
                .await);
                app.clock.advance(Duration::hours(2));
                ok(call(id, CONVERT, json!({ "amount": 12500.5 })).await);
            }
            4 => {
                ok(call(id, DISQUALIFY, json!({ "reasonCode": "competitor" })).await);
            }
            _ => match i {
                11 => {
                    // Moves to Berlin hours with its clocks running.
                    ok(call(id, REASSIGN, json!({ "ownerId": berlin_rep })).await);
                }
                17 => {
                    // The reply pauses ACCEPTANCE; the lead's engagement later resumes it.
                    ok(call(id, RESPONDED, json!({})).await);
                }
                23 => {
                    // Accepted, then the reply pauses QUALIFICATION, which stays paused.
                    ok(call(id, ACCEPT, json!({})).await);
                    ok(call(id, RESPONDED, json!({})).await);
                }
                _ => {}
            },
        }
    }
    // A demo request still running when the thresholds change below.
    let late = json!([{ "externalId": "lead-late", "email": "pat@late.example", "company": "Late", "country": "US", "leadType": "demo_request" }]);
    ok(app
        .graphql(Some(&admin), INGEST, json!({ "leads": late }))
        .await);
    // The policy's thresholds change under running clocks: they are re-planned (a REASSIGNED
    // "policy changed" in each lead's log), which the rebuild must replay.
    ok(app
        .graphql(
            Some(&admin),
            UPSERT_SLA_POLICY,
            json!({ "input": { "name": "Demo acceptance", "leadType": "demo_request", "kind": "ACCEPTANCE", "targetSeconds": 14400, "pauseOnResponse": true, "notifyAtPercent": [25, 90] } }),
        )
        .await);
    // Time passes: SLA clocks breach, thresholds are logged.
    app.clock.advance(Duration::hours(30));
    for i in [1, 11] {
        ok(call(
            &ids[i],
            TOUCH,
            json!({ "channel": "CALL", "outcome": "connected" }),
        )
        .await);
    }
    ok(app
        .graphql(
            Some(&admin),
            ENGAGE,
            json!({ "input": { "leadId": ids[17], "engagement": "pricing_page" } }),
        )
        .await);
}

#[tokio::test]
async fn rebuilding_the_lead_rows_and_clocks_from_the_log_gives_the_same_rows() {
    let app = spawn_app().await;
    work_some_leads(&app).await;
    let snapshot = all_leads(&app).await;
    assert!(snapshot.len() >= 24);
    for status in ["MQL", "SAL", "RECYCLED", "OPPORTUNITY", "DISQUALIFIED"] {
        assert!(
            snapshot.iter().any(|l| l.status == status),
            "no {status} lead to rebuild"
        );
    }
    let clocks = all_clocks(&app).await;
    for state in ["RUNNING", "PAUSED", "MET", "BREACHED", "CANCELLED"] {
        assert!(
            clocks.iter().any(|c| c.state == state),
            "no {state} clock to rebuild: {clocks:#?}"
        );
    }
    let mut calendars: Vec<Option<i64>> = clocks.iter().map(|c| c.calendar_id).collect();
    calendars.dedup();
    assert!(calendars.len() > 1, "no clock moved to Berlin hours");
    assert!(
        clocks.iter().any(|c| c.fired_percents.contains("25")),
        "no clock planned with the edited thresholds: {clocks:#?}"
    );
    let demo_acceptance = sla_policies::Entity::find()
        .filter(sla_policies::Column::LeadType.eq("demo_request"))
        .filter(sla_policies::Column::Kind.eq("ACCEPTANCE"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let running: Vec<_> = clocks
        .iter()
        .filter(|c| c.policy_id == demo_acceptance.id && c.state == "RUNNING")
        .collect();
    assert!(
        !running.is_empty(),
        "no demo acceptance clock still running"
    );
    assert!(
        running
            .iter()
            .all(|c| matches!(c.next_fire_percent, Some(25 | 90 | 100))),
        "a running clock kept the thresholds it was started with: {running:#?}"
    );

    // The log explains every row as it stands: nothing to rewrite.
    let report = rebuild_leads(app.db()).await.unwrap();
    assert_eq!(report.leads, snapshot.len());
    assert!(report.unexplained.is_empty(), "{report:?}");
    assert_eq!(report.changed, 0, "{report:?}");
    assert_eq!(report.clocks, clocks.len(), "{report:?}");
    assert_eq!(report.clocks_changed, 0, "{report:?}");
    assert_eq!(all_leads(&app).await, snapshot);
    assert_eq!(all_clocks(&app).await, clocks);

    // Scramble every derived column.
    leads::Entity::update_many()
        .col_expr(leads::Column::Score, Expr::value(0))
        .col_expr(leads::Column::Status, Expr::value("NEW"))
        .col_expr(leads::Column::ScoreBreakdown, Expr::value("[]"))
        .col_expr(leads::Column::OwnerId, Expr::value(Option::<i64>::None))
        .col_expr(leads::Column::TeamId, Expr::value(Option::<i64>::None))
        .col_expr(
            leads::Column::MqlAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            leads::Column::SalAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            leads::Column::AssignedAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            leads::Column::RecycledAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            leads::Column::OpportunityAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            leads::Column::FirstResponseAt,
            Expr::value(Option::<chrono::DateTime<chrono::Utc>>::None),
        )
        .col_expr(
            leads::Column::RejectionReason,
            Expr::value(Option::<String>::None),
        )
        .col_expr(leads::Column::Bant, Expr::value(Option::<String>::None))
        .col_expr(leads::Column::Amount, Expr::value(Option::<f64>::None))
        .col_expr(leads::Column::Touches, Expr::value(0))
        .col_expr(leads::Column::Version, Expr::value(0))
        .col_expr(leads::Column::Company, Expr::value("scrambled"))
        .exec(app.db())
        .await
        .unwrap();
    assert_ne!(all_leads(&app).await, snapshot);

    // Drop half the clock rows, scramble the rest, and add one no log explains.
    let ids = || clocks.iter().map(|c| c.id);
    sla_clocks::Entity::delete_many()
        .filter(sla_clocks::Column::Id.is_in(ids().filter(|id| id % 2 == 0)))
        .exec(app.db())
        .await
        .unwrap();
    let epoch = chrono::DateTime::<Utc>::UNIX_EPOCH;
    sla_clocks::Entity::update_many()
        .col_expr(sla_clocks::Column::State, Expr::value("RUNNING"))
        .col_expr(
            sla_clocks::Column::OwnerId,
            Expr::value(Option::<i64>::None),
        )
        .col_expr(sla_clocks::Column::ElapsedBeforeSeconds, Expr::value(0))
        .col_expr(sla_clocks::Column::FiredPercents, Expr::value("[]"))
        .col_expr(sla_clocks::Column::DueAt, Expr::value(epoch))
        .col_expr(sla_clocks::Column::UpdatedAt, Expr::value(epoch))
        .exec(app.db())
        .await
        .unwrap();
    let mut stray = clocks[0].clone().into_active_model();
    stray.id = sea_orm::Set(ids().max().unwrap() + 1000);
    sla_clocks::Entity::insert(stray)
        .exec_without_returning(app.db())
        .await
        .unwrap();

    // `handoff rebuild`, the binary, against the same database.
    let output = Command::new(env!("CARGO_BIN_EXE_handoff"))
        .args([
            "rebuild",
            "--database-url",
            &app.state.settings.database.url,
        ])
        .env("RUST_LOG", "warn")
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert_eq!(
        output.status.code(),
        Some(0),
        "{stdout}\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        stdout.contains(&format!(
            "rebuilt {n} leads from their logs: {n} rows differed",
            n = snapshot.len()
        )),
        "{stdout}"
    );
    assert!(
        stdout.contains(&format!(
            "rebuilt {} SLA clocks from the same logs: {} rows were rewritten",
            clocks.len(),
            clocks.len() + 1
        )),
        "{stdout}"
    );

    let rebuilt = all_clocks(&app).await;
    assert_eq!(rebuilt.len(), clocks.len());
    for (after, before) in rebuilt.iter().zip(&clocks) {
        assert_eq!(
            after, before,
            "clock {} differs after the rebuild",
            before.id
        );
    }

    let rebuilt = all_leads(&app).await;
    assert_eq!(rebuilt.len(), snapshot.len());
    for (after, before) in rebuilt.iter().zip(&snapshot) {
        assert_eq!(
            after, before,
            "lead {} differs after the rebuild",
            before.id
        );
    }
}
