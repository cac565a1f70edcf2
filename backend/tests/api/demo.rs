//! `serve --demo`: the demo organisation of the contract.

use serde_json::json;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn the_demo_organisation_has_reps_in_two_time_zones_who_can_log_in() {
    let app = spawn_app_with(|settings| {
        settings.demo = true;
        settings.demo_leads = 0;
    })
    .await;
    let admin = app.token_for("admin@demo.test", "demo-admin").await;
    let rep = app.token_for("rep1@demo.test", "demo-rep").await;

    let me = app
        .graphql(
            Some(&rep),
            "{ me { email role timezone team { name manager { email } } } }",
            json!({}),
        )
        .await;
    assert_eq!(me["data"]["me"]["role"], "REP", "{me}");
    assert_eq!(me["data"]["me"]["timezone"], "America/New_York");
    assert_eq!(me["data"]["me"]["team"]["name"], "Americas");
    assert_eq!(
        me["data"]["me"]["team"]["manager"]["email"],
        "manager.americas@demo.test"
    );

    let emea = app.token_for("rep5@demo.test", "demo-rep").await;
    let me = app
        .graphql(Some(&emea), "{ me { timezone team { name } } }", json!({}))
        .await;
    assert_eq!(me["data"]["me"]["timezone"], "Europe/Berlin");
    assert_eq!(me["data"]["me"]["team"]["name"], "EMEA");

    let calendars = app
        .graphql(
            Some(&admin),
            "{ businessCalendars { name definition { timezone holidays } } }",
            json!({}),
        )
        .await;
    let names: Vec<&str> = calendars["data"]["businessCalendars"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["name"].as_str().unwrap())
        .collect();
    assert!(
        names.contains(&"New York office") && names.contains(&"Berlin office"),
        "{calendars}"
    );
}

#[tokio::test]
async fn seeding_the_demo_twice_changes_nothing() {
    let app = spawn_app_with(|settings| settings.demo = true).await;
    let again = handoff::demo::seed_organisation(app.db(), chrono::Utc::now())
        .await
        .unwrap();
    assert!(
        !again,
        "a database that has the demo organisation is left alone"
    );
}

#[tokio::test]
async fn the_demo_has_a_few_thousand_leads_with_ninety_days_of_worked_history() {
    let app = spawn_app_with(|settings| settings.demo = true).await;
    let admin = app.token_for("admin@demo.test", "demo-admin").await;
    let counts = app
        .graphql(
            Some(&admin),
            r#"{ all: leads(first: 1) { totalCount }
                 sal: leads(first: 1, filter: { status: SAL }) { totalCount }
                 recycled: leads(first: 1, filter: { status: RECYCLED }) { totalCount }
                 open: leads(first: 1, filter: { status: MQL }) { totalCount edges { node { slaClocks { kind state } history { kind } } } } }"#,
            json!({}),
        )
        .await;
    let total = |name: &str| counts["data"][name]["totalCount"].as_i64().unwrap_or(-1);
    assert_eq!(total("all"), handoff::demo::DEMO_LEADS as i64, "{counts}");
    assert!(
        total("sal") > 100 && total("recycled") > 100 && total("open") > 10,
        "{counts}"
    );

    let rep = app.token_for("rep1@demo.test", "demo-rep").await;
    let queue = app
        .graphql(
            Some(&rep),
            "{ myQueue(first: 5) { owner { email } } }",
            json!({}),
        )
        .await;
    let queue = queue["data"]["myQueue"].as_array().unwrap();
    assert!(
        !queue.is_empty()
            && queue
                .iter()
                .all(|l| l["owner"]["email"] == "rep1@demo.test"),
        "{queue:?}"
    );
}
