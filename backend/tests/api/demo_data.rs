//! `handoff demo-data`: generated leads with their history through the real binary, against the
//! test's fresh database (SQLite, or PostgreSQL with `HANDOFF_TEST_DB=postgres`).

use std::process::{Command, Output};

use chrono::{DateTime, Duration, Utc};
use handoff::entities::{lead_events, leads, notifications, users};
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
use serde_json::json;

use crate::helpers::{TestApp, spawn_app};

const UNTIL: &str = "2026-06-30T12:00:00Z";

fn handoff(args: &[&str], app: &TestApp) -> Output {
    Command::new(env!("CARGO_BIN_EXE_handoff"))
        .arg("demo-data")
        .args(args)
        .env("DATABASE_URL", &app.state.settings.database.url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the handoff binary runs")
}

fn succeeded(output: &Output) -> String {
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "exit {:?}\nstdout: {stdout}\nstderr: {}",
        output.status.code(),
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

#[tokio::test]
async fn generated_leads_carry_their_history_into_the_reports_without_notifying_anyone() {
    let app = spawn_app().await;
    let db = &app.state.db;
    let until: DateTime<Utc> = UNTIL.parse().unwrap();

    let stdout = succeeded(&handoff(
        &[
            "--leads", "400", "--days", "60", "--until", UNTIL, "--batch", "150",
        ],
        &app,
    ));
    assert!(
        stdout.contains("400 leads added (demo-00000 to demo-00399)"),
        "{stdout}"
    );

    // The demo organisation came with them, its reps own the worked leads.
    let reps = users::Entity::find()
        .filter(users::Column::Email.like("rep%@demo.test"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(reps, 8);
    let generated = leads::Entity::find()
        .filter(leads::Column::ExternalId.starts_with("demo-"))
        .all(db)
        .await
        .unwrap();
    assert_eq!(generated.len(), 400);
    assert!(
        generated
            .iter()
            .all(|l| l.created_at <= until && l.created_at >= until - Duration::days(60)),
        "every lead arrives within the 60 days before --until"
    );
    // A history that reaches every stage and both exits of acceptance.
    for status in ["MQL", "SAL", "SQL", "OPPORTUNITY", "RECYCLED"] {
        let n = generated.iter().filter(|l| l.status == status).count();
        assert!(n > 0, "no generated lead is {status}");
    }
    assert!(
        generated
            .iter()
            .filter(|l| l.mql_at.is_some())
            .all(|l| l.owner_id.is_some() || l.team_id.is_some()),
        "every MQL has an owner or a team"
    );
    let events = lead_events::Entity::find().count(db).await.unwrap();
    assert!(events > 1_000, "{events} events for 400 leads");
    // Backfilled history never notifies.
    assert_eq!(notifications::Entity::find().count(db).await.unwrap(), 0);

    // The reports read it like any other history.
    let admin = app.admin_token().await;
    let from = (until - Duration::days(30)).to_rfc3339();
    let funnel = app
        .graphql(
            Some(&admin),
            "query($filter: ReportFilter) { funnel(filter: $filter) { stages { stage count } } }",
            json!({ "filter": { "from": from, "to": UNTIL } }),
        )
        .await;
    let stages = funnel["data"]["funnel"]["stages"].as_array().unwrap();
    assert_eq!(stages[0]["stage"], "MQL", "{funnel}");
    let mqls = stages[0]["count"].as_i64().unwrap();
    let expected = generated
        .iter()
        .filter(|l| {
            l.mql_at
                .is_some_and(|m| m >= until - Duration::days(30) && m < until)
        })
        .count();
    assert_eq!(mqls as usize, expected, "{funnel}");

    // A second run adds more, numbered on.
    let stdout = succeeded(&handoff(
        &["--leads", "50", "--days", "60", "--until", UNTIL],
        &app,
    ));
    assert!(
        stdout.contains("50 leads added (demo-00400 to demo-00449)"),
        "{stdout}"
    );
    let total = leads::Entity::find()
        .filter(leads::Column::ExternalId.starts_with("demo-"))
        .count(db)
        .await
        .unwrap();
    assert_eq!(total, 450);
}

#[tokio::test]
async fn bad_arguments_name_the_option_and_exit_with_code_2() {
    let app = spawn_app().await;
    for (args, needle) in [
        (vec!["--leads", "0"], "--leads"),
        (vec!["--leads", "10", "--batch", "5000"], "--batch"),
        (vec!["--leads", "10", "--days", "0"], "--days"),
        (vec!["--leads", "10", "--until", "yesterday"], "--until"),
        (vec![], "--leads"),
    ] {
        let output = handoff(&args, &app);
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert_eq!(output.status.code(), Some(2), "{args:?}: {stderr}");
        assert!(stderr.contains(needle), "{args:?}: {stderr}");
    }
    let stored = leads::Entity::find().count(&app.state.db).await.unwrap();
    assert_eq!(stored, 0, "nothing is written for bad arguments");
}
