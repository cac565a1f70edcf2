//! `POST /webhooks/leads`: signed intake for marketing-automation platforms, and the admin API
//! of inbound integrations.

use handoff::clock::Clock as _;
use handoff::entities::{lead_events, leads, users};
use handoff::integrations::signature::sign;
use sea_orm::{ColumnTrait as _, EntityTrait as _, PaginatorTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const CREATE: &str = "mutation($name: String!) { createInboundIntegration(name: $name) { id name secret active createdAt } }";
const LIST: &str = "{ inboundIntegrations { id name secret active } }";
const SET_ACTIVE: &str = "mutation($id: ID!, $active: Boolean!) { setInboundIntegrationActive(id: $id, active: $active) { id active } }";

/// Creates an integration as the admin; returns (id, secret).
async fn integration(app: &TestApp, name: &str) -> (String, String) {
    let admin = app.admin_token().await;
    let response = app
        .graphql(Some(&admin), CREATE, json!({ "name": name }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    let created = &response["data"]["createInboundIntegration"];
    (
        created["id"].as_str().unwrap().to_owned(),
        created["secret"].as_str().unwrap().to_owned(),
    )
}

fn lead(external_id: &str, email: &str) -> Value {
    json!({
        "externalId": external_id,
        "email": email,
        "firstName": "Ada",
        "company": "Analytical Engines",
        "companySize": 120,
        "source": "marketo",
        "leadType": "content_download",
    })
}

/// POSTs `body` with the given headers; returns (status, JSON body).
async fn post(app: &TestApp, body: &[u8], headers: &[(&str, String)]) -> (u16, Value) {
    let mut request = app
        .client
        .post(format!("{}/webhooks/leads", app.address))
        .header("Content-Type", "application/json")
        .body(body.to_vec());
    for (name, value) in headers {
        request = request.header(*name, value);
    }
    let response = request.send().await.expect("POST /webhooks/leads");
    let status = response.status().as_u16();
    let json = response.json().await.unwrap_or(Value::Null);
    (status, json)
}

async fn signed(app: &TestApp, name: &str, secret: &str, body: &Value) -> (u16, Value) {
    let bytes = serde_json::to_vec(body).unwrap();
    post(
        app,
        &bytes,
        &[
            ("X-Handoff-Integration", name.to_owned()),
            ("X-Handoff-Signature", sign(secret, &bytes)),
        ],
    )
    .await
}

#[tokio::test]
async fn a_signed_webhook_ingests_leads_like_ingest_leads() {
    let app = spawn_app().await;
    let (_, secret) = integration(&app, "marketo").await;
    let body = json!({ "leads": [
        lead("mk-1", "Ada@Example.com"),
        lead("mk-2", "grace@example.org"),
        lead("mk-3", "not-an-e-mail"),
    ]});
    let (status, result) = signed(&app, "marketo", &secret, &body).await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["created"], 2, "{result}");
    assert_eq!(result["updated"], 0);
    assert_eq!(result["leads"].as_array().unwrap().len(), 2);
    assert_eq!(result["leads"][0]["externalId"], "mk-1");
    assert_eq!(result["leads"][0]["email"], "ada@example.com");
    assert_eq!(result["errors"][0]["index"], 2, "{result}");
    assert_eq!(result["errors"][0]["externalId"], "mk-3");
    assert_eq!(result["errors"][0]["field"], "email");

    // Re-sending updates, never duplicates.
    let (status, result) = signed(&app, "marketo", &secret, &body).await;
    assert_eq!(status, 200);
    assert_eq!(result["created"], 0, "{result}");
    assert_eq!(leads::Entity::find().count(app.db()).await.unwrap(), 2);

    // The leads are attributed to the integration's service user.
    let id: i64 = result["leads"][0]["id"].as_str().unwrap().parse().unwrap();
    let created = lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(id))
        .filter(lead_events::Column::Kind.eq("created"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    let actor = users::Entity::find_by_id(created.actor_id.unwrap())
        .one(app.db())
        .await
        .unwrap()
        .unwrap();
    assert_eq!(actor.name, "Integration: marketo");
    assert_eq!(actor.role, "INTEGRATION");
}

#[tokio::test]
async fn a_single_object_and_a_bare_array_are_accepted() {
    let app = spawn_app().await;
    let (_, secret) = integration(&app, "hubspot").await;
    let (status, result) = signed(&app, "hubspot", &secret, &lead("h-1", "a@example.com")).await;
    assert_eq!(
        (status, result["created"].clone()),
        (200, json!(1)),
        "{result}"
    );
    let (status, result) = signed(
        &app,
        "hubspot",
        &secret,
        &json!([lead("h-2", "b@example.com"), lead("h-3", "c@example.com")]),
    )
    .await;
    assert_eq!(
        (status, result["created"].clone()),
        (200, json!(2)),
        "{result}"
    );
}

#[tokio::test]
async fn a_missing_or_wrong_signature_or_integration_is_401() {
    let app = spawn_app().await;
    let (id, secret) = integration(&app, "pardot").await;
    let body = serde_json::to_vec(&json!({ "leads": [lead("p-1", "a@example.com")] })).unwrap();
    let good = sign(&secret, &body);

    let cases: Vec<(&str, Vec<(&str, String)>)> = vec![
        ("no headers", vec![]),
        (
            "no signature",
            vec![("X-Handoff-Integration", "pardot".to_owned())],
        ),
        (
            "no integration",
            vec![("X-Handoff-Signature", good.clone())],
        ),
        (
            "wrong secret",
            vec![
                ("X-Handoff-Integration", "pardot".to_owned()),
                ("X-Handoff-Signature", sign("not-the-secret", &body)),
            ],
        ),
        (
            "unknown integration",
            vec![
                ("X-Handoff-Integration", "eloqua".to_owned()),
                ("X-Handoff-Signature", good.clone()),
            ],
        ),
        (
            "not hex",
            vec![
                ("X-Handoff-Integration", "pardot".to_owned()),
                ("X-Handoff-Signature", "sha256=xyz".to_owned()),
            ],
        ),
    ];
    for (case, headers) in cases {
        let (status, result) = post(&app, &body, &headers).await;
        assert_eq!(status, 401, "{case}: {result}");
        assert_eq!(result["error"]["code"], "UNAUTHENTICATED", "{case}");
    }

    // A changed body no longer matches its signature.
    let mut tampered = body.clone();
    tampered.extend_from_slice(b" ");
    let (status, _) = post(
        &app,
        &tampered,
        &[
            ("X-Handoff-Integration", "pardot".to_owned()),
            ("X-Handoff-Signature", good.clone()),
        ],
    )
    .await;
    assert_eq!(status, 401);

    // Switched off: refused; on again: accepted.
    let admin = app.admin_token().await;
    let off = app
        .graphql(
            Some(&admin),
            SET_ACTIVE,
            json!({ "id": id, "active": false }),
        )
        .await;
    assert_eq!(off["data"]["setInboundIntegrationActive"]["active"], false);
    let headers = [
        ("X-Handoff-Integration", "pardot".to_owned()),
        ("X-Handoff-Signature", good.clone()),
    ];
    assert_eq!(post(&app, &body, &headers).await.0, 401);
    app.graphql(
        Some(&admin),
        SET_ACTIVE,
        json!({ "id": id, "active": true }),
    )
    .await;
    assert_eq!(post(&app, &body, &headers).await.0, 200);
    assert_eq!(leads::Entity::find().count(app.db()).await.unwrap(), 1);
}

#[tokio::test]
async fn a_timestamp_is_signed_with_the_body_and_must_be_recent() {
    let app = spawn_app().await;
    let (_, secret) = integration(&app, "braze").await;
    let body = serde_json::to_vec(&lead("b-1", "a@example.com")).unwrap();
    let now = app.clock.now().timestamp();
    let signed_with = |ts: i64| {
        let mut message = format!("{ts}.").into_bytes();
        message.extend_from_slice(&body);
        sign(&secret, &message)
    };
    let headers = |ts: i64, signature: String| {
        vec![
            ("X-Handoff-Integration", "braze".to_owned()),
            ("X-Handoff-Timestamp", ts.to_string()),
            ("X-Handoff-Signature", signature),
        ]
    };
    // Signed over the body alone while a timestamp is sent: refused.
    assert_eq!(
        post(&app, &body, &headers(now, sign(&secret, &body)))
            .await
            .0,
        401
    );
    // Too old (a replay), even with a correct signature.
    let old = now - 3600;
    let (status, result) = post(&app, &body, &headers(old, signed_with(old))).await;
    assert_eq!(status, 401);
    assert!(
        result["error"]["message"]
            .as_str()
            .unwrap()
            .contains("X-Handoff-Timestamp"),
        "{result}"
    );
    // Fresh and signed with the timestamp: accepted.
    let (status, result) = post(&app, &body, &headers(now - 30, signed_with(now - 30))).await;
    assert_eq!(status, 200, "{result}");
}

#[tokio::test]
async fn a_body_that_is_not_lead_json_is_400_naming_the_field() {
    let app = spawn_app().await;
    let (_, secret) = integration(&app, "zapier").await;
    let raw = |bytes: &[u8]| {
        vec![
            ("X-Handoff-Integration", "zapier".to_owned()),
            ("X-Handoff-Signature", sign(&secret, bytes)),
        ]
    };
    for (body, field) in [
        (&b"{not json"[..], "body"),
        (&b"42"[..], "body"),
        (&br#"{"leads": 5}"#[..], "leads"),
        (&br#"{"leads": []}"#[..], "leads"),
        (&br#"{"leads": [1]}"#[..], "leads[0]"),
    ] {
        let (status, result) = post(&app, body, &raw(body)).await;
        assert_eq!(status, 400, "{}: {result}", String::from_utf8_lossy(body));
        assert_eq!(result["error"]["code"], "BAD_USER_INPUT");
        assert_eq!(result["error"]["field"], field, "{result}");
    }
    // A wrongly typed value is that item's error; the others are stored.
    let mut bad = lead("z-2", "b@example.com");
    bad["companySize"] = json!("large");
    let (status, result) = signed(
        &app,
        "zapier",
        &secret,
        &json!({ "leads": [lead("z-1", "a@example.com"), bad] }),
    )
    .await;
    assert_eq!(status, 200, "{result}");
    assert_eq!(result["created"], 1);
    assert_eq!(result["errors"][0]["index"], 1);
    assert_eq!(result["errors"][0]["field"], "companySize");
}

#[tokio::test]
async fn a_body_over_the_limit_is_413() {
    let app = spawn_app().await;
    let (_, secret) = integration(&app, "bulk").await;
    let body = vec![b' '; handoff::routes::webhooks::MAX_BODY_BYTES + 1];
    let (status, result) = post(
        &app,
        &body,
        &[
            ("X-Handoff-Integration", "bulk".to_owned()),
            ("X-Handoff-Signature", sign(&secret, &body)),
        ],
    )
    .await;
    assert_eq!(status, 413, "{result}");
    assert_eq!(result["error"]["code"], "BAD_USER_INPUT");
}

#[tokio::test]
async fn only_admins_manage_integrations_and_secrets_are_shown_once() {
    let app = spawn_app().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let forbidden = app
        .graphql(Some(&rep), CREATE, json!({ "name": "x" }))
        .await;
    assert_eq!(error_code(&forbidden), "FORBIDDEN");
    assert_eq!(
        error_code(&app.graphql(Some(&rep), LIST, json!({})).await),
        "FORBIDDEN"
    );

    let (_, secret) = integration(&app, "hubspot").await;
    assert!(secret.len() >= 32);
    let admin = app.admin_token().await;
    let list = app.graphql(Some(&admin), LIST, json!({})).await;
    assert_eq!(list["data"]["inboundIntegrations"][0]["name"], "hubspot");
    assert!(list["data"]["inboundIntegrations"][0]["secret"].is_null());

    let taken = app
        .graphql(Some(&admin), CREATE, json!({ "name": "hubspot" }))
        .await;
    assert_eq!(error_code(&taken), "CONFLICT");
    let bad = app
        .graphql(Some(&admin), CREATE, json!({ "name": "hub spot" }))
        .await;
    assert_eq!(error_code(&bad), "BAD_USER_INPUT");
    assert_eq!(bad["errors"][0]["extensions"]["field"], "name");
}
