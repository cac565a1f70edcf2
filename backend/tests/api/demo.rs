//! `serve --demo`: the demo organisation of the contract.

use serde_json::json;

use crate::helpers::spawn_app_with;

#[tokio::test]
async fn the_demo_organisation_has_reps_in_two_time_zones_who_can_log_in() {
    let app = spawn_app_with(|settings| settings.demo = true).await;
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
