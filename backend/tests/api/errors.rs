//! How the API fails: every error carries `extensions.code`, nothing panics.

use serde_json::{Value, json};

use crate::helpers::{CREATE_USER, error_code, error_field, spawn_app};

#[tokio::test]
async fn bad_input_carries_the_offending_field() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let input = json!({ "email": "no-at-sign", "name": "X", "role": "REP" });
    let response = app
        .graphql(Some(&admin), CREATE_USER, json!({ "input": input }))
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT");
    assert_eq!(error_field(&response), "email");
}

#[tokio::test]
async fn a_malformed_query_is_bad_user_input_and_the_server_carries_on() {
    let app = spawn_app().await;
    let response = app.graphql(None, "{ me { ", json!({})).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");

    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn an_unknown_field_is_bad_user_input() {
    let app = spawn_app().await;
    let response = app.graphql(None, "{ doesNotExist }", json!({})).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
}

#[tokio::test]
async fn a_wrongly_typed_variable_is_bad_user_input() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let response = app
        .graphql(
            Some(&admin),
            CREATE_USER,
            json!({ "input": { "email": 42 } }),
        )
        .await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
}

#[tokio::test]
async fn a_body_that_is_not_json_is_rejected_without_a_crash() {
    let app = spawn_app().await;
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .header("content-type", "application/json")
        .body("{ this is not json")
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    let health = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(health.status(), 200);
}

#[tokio::test]
async fn a_query_nested_deeper_than_the_limit_is_refused() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    // me -> team -> manager -> team -> manager -> …: 16 levels, beyond the limit of 12.
    let mut selection = String::from("id");
    for level in 0..15 {
        selection = if level % 2 == 0 {
            format!("team {{ {selection} }}")
        } else {
            format!("manager {{ {selection} }}")
        };
    }
    let query = format!("{{ me {{ {selection} }} }}");
    let response: Value = app.graphql(Some(&admin), &query, json!({})).await;
    assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
    let message = response["errors"][0]["message"].as_str().unwrap();
    assert!(message.contains("nested too deep"), "{message}");
}

#[tokio::test]
async fn a_body_over_the_size_limit_is_refused() {
    let app = spawn_app().await;
    let padding = "x".repeat(handoff::routes::graphql::MAX_BODY_BYTES + 1);
    let response = app
        .client
        .post(format!("{}/graphql", app.address))
        .json(&json!({ "query": "{ __typename }", "variables": { "padding": padding } }))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 413);
}
