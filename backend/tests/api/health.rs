//! Health, metrics, GraphiQL and the frontend.

use serde_json::{Value, json};

use crate::helpers::{spawn_app, spawn_app_with};

#[tokio::test]
async fn healthz_answers_200_with_json_when_the_database_answers() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["status"], "ok");
    assert_eq!(body["database"], "ok");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_in_prometheus_format() {
    let app = spawn_app().await;
    app.client
        .get(format!("{}/healthz", app.address))
        .send()
        .await
        .unwrap();
    app.graphql(None, "query Ping { __typename }", json!({}))
        .await;

    let response = app
        .client
        .get(format!("{}/metrics", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let content_type = response.headers()["content-type"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(content_type.starts_with("text/plain"), "{content_type}");
    let text = response.text().await.unwrap();
    assert!(
        text.contains(
            "handoff_http_requests_total{method=\"GET\",route=\"/healthz\",status=\"200\"} 1"
        ),
        "{text}"
    );
    assert!(
        text.contains("# TYPE handoff_http_request_duration_seconds histogram"),
        "{text}"
    );
    assert!(
        text.contains("handoff_graphql_operations_total{operation=\"Ping\",outcome=\"ok\"} 1"),
        "{text}"
    );
}

#[tokio::test]
async fn graphiql_is_served_with_the_subscription_endpoint() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphiql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("/graphql"), "{html}");
}

#[tokio::test]
async fn a_plain_get_on_graphql_explains_the_websocket_endpoint() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/graphql", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert!(
        response
            .text()
            .await
            .unwrap()
            .contains("graphql-transport-ws")
    );
}

#[tokio::test]
async fn without_a_built_frontend_the_root_says_how_to_build_it() {
    let app = spawn_app().await;
    let response = app
        .client
        .get(format!("{}/", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    let html = response.text().await.unwrap();
    assert!(html.contains("HANDOFF_STATIC_DIR"), "{html}");
}

#[tokio::test]
async fn with_a_built_frontend_client_side_routes_get_the_app_shell() {
    let dir = std::env::temp_dir().join(format!("handoff-static-{}", uuid::Uuid::new_v4()));
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("index.html"), "<html>the app shell</html>").unwrap();
    std::fs::write(dir.join("app.js"), "console.log('app')").unwrap();
    let static_dir = dir.clone();
    let app = spawn_app_with(move |settings| settings.static_dir = static_dir).await;

    for path in ["/", "/leads/42", "/queue", "/leaders"] {
        let response = app
            .client
            .get(format!("{}{path}", app.address))
            .send()
            .await
            .unwrap();
        assert_eq!(response.status(), 200, "{path}");
        assert!(
            response.text().await.unwrap().contains("the app shell"),
            "{path}"
        );
    }
    let script = app
        .client
        .get(format!("{}/app.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(script.status(), 200);
    assert!(script.text().await.unwrap().contains("console.log"));
    let missing = app
        .client
        .get(format!("{}/missing-asset.js", app.address))
        .send()
        .await
        .unwrap();
    assert_eq!(
        missing.status(),
        404,
        "a missing asset is not the app shell"
    );

    let _ = std::fs::remove_dir_all(dir);
}
