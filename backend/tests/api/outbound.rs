//! Recycling a lead sends a signed `lead.recycled` webhook through the outbox: delivered to a
//! real loopback server, retried after a failure, dead-lettered after too many, and logged.

use std::collections::VecDeque;
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use actix_web::{App, HttpRequest, HttpResponse, HttpServer, web};
use chrono::Duration;
use handoff::entities::{lead_events, notifications};
use handoff::integrations::signature;
use sea_orm::{ColumnTrait as _, EntityTrait as _, QueryFilter as _};
use serde_json::{Value, json};

use crate::helpers::{TestApp, error_code, spawn_app};

const UPSERT: &str = "mutation($input: OutboundWebhookInput!) { upsertOutboundWebhook(input: $input) { id name url events active } }";
const INGEST: &str = "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created leads { id status owner { id } } errors { index field message } } }";
const REJECT: &str = "mutation($id: ID!, $reasonCode: String!, $note: String) { rejectLead(id: $id, reasonCode: $reasonCode, note: $note) { id status } }";
const LOG: &str = "query($filter: NotificationFilter) { notifications(filter: $filter, first: 10) { totalCount edges { cursor node { id idempotencyKey event channel target status attempts lastError sentAt leadId body attemptLog { success statusCode error } } } pageInfo { hasNextPage } } }";
const SECRET: &str = "outbound-secret-0123456789";

/// A request the loopback receiver got.
#[derive(Debug, Clone)]
struct Received {
    signature: String,
    event: String,
    delivery: String,
    body: Vec<u8>,
}

/// A loopback HTTP server answering with the queued statuses (then 200), recording requests.
struct Receiver {
    url: String,
    requests: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    fn start(statuses: Vec<u16>) -> Self {
        let requests: Arc<Mutex<Vec<Received>>> = Arc::default();
        let queue = Arc::new(Mutex::new(VecDeque::from(statuses)));
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        let port = listener.local_addr().unwrap().port();
        let (recorded, answers) = (requests.clone(), queue.clone());
        let server = HttpServer::new(move || {
            let (recorded, answers) = (recorded.clone(), answers.clone());
            App::new().route(
                "/hook",
                web::post().to(move |request: HttpRequest, body: web::Bytes| {
                    let (recorded, answers) = (recorded.clone(), answers.clone());
                    async move {
                        let header = |name: &str| {
                            request
                                .headers()
                                .get(name)
                                .and_then(|v| v.to_str().ok())
                                .unwrap_or_default()
                                .to_owned()
                        };
                        recorded.lock().unwrap().push(Received {
                            signature: header("X-Handoff-Signature"),
                            event: header("X-Handoff-Event"),
                            delivery: header("X-Handoff-Delivery"),
                            body: body.to_vec(),
                        });
                        let status = answers.lock().unwrap().pop_front().unwrap_or(200);
                        HttpResponse::build(actix_web::http::StatusCode::from_u16(status).unwrap())
                            .body("receiver says hi")
                    }
                }),
            )
        })
        .workers(1)
        .disable_signals()
        .listen(listener)
        .unwrap()
        .run();
        tokio::spawn(server);
        Self {
            url: format!("http://127.0.0.1:{port}/hook"),
            requests,
        }
    }

    fn received(&self) -> Vec<Received> {
        self.requests.lock().unwrap().clone()
    }
}

/// Polls `check` every 100 ms for up to 15 s.
async fn eventually<T>(what: &str, mut check: impl AsyncFnMut() -> Option<T>) -> T {
    for _ in 0..150 {
        if let Some(value) = check().await {
            return value;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

async fn webhook(app: &TestApp, admin: &str, input: Value) -> Value {
    let response = app
        .graphql(Some(admin), UPSERT, json!({ "input": input }))
        .await;
    assert!(response["errors"].is_null(), "{response}");
    response["data"]["upsertOutboundWebhook"].clone()
}

/// A demo request (instant MQL) routed to a rep, then rejected by the admin; returns the lead id.
async fn recycled_lead(app: &TestApp, admin: &str, external_id: &str) -> String {
    let ingested = app
        .graphql(
            Some(admin),
            INGEST,
            json!({ "leads": [{
                "externalId": external_id, "email": format!("{external_id}@example.com"),
                "company": "Initech", "source": "webinar", "campaign": "spring",
                "leadType": "demo_request",
            }]}),
        )
        .await;
    assert!(ingested["errors"].is_null(), "{ingested}");
    let lead = &ingested["data"]["ingestLeads"]["leads"][0];
    assert_eq!(lead["status"], "MQL", "{ingested}");
    let id = lead["id"].as_str().unwrap().to_owned();
    let rejected = app
        .graphql(
            Some(admin),
            REJECT,
            json!({ "id": id, "reasonCode": "bad_fit", "note": "too small" }),
        )
        .await;
    assert_eq!(
        rejected["data"]["rejectLead"]["status"], "RECYCLED",
        "{rejected}"
    );
    id
}

async fn notification(app: &TestApp, lead_id: &str) -> Option<notifications::Model> {
    notifications::Entity::find()
        .filter(notifications::Column::LeadId.eq(lead_id.parse::<i64>().unwrap()))
        .one(app.db())
        .await
        .unwrap()
}

#[tokio::test]
async fn a_recycled_lead_is_posted_signed_and_retried_after_a_500() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.user_with_token("rep@handoff.test", "REP").await;
    let receiver = Receiver::start(vec![500]);
    let hook = webhook(
        &app,
        &admin,
        json!({ "name": "Marketing", "url": receiver.url, "secret": SECRET, "events": ["lead.recycled"] }),
    )
    .await;
    assert_eq!(hook["events"], json!(["lead.recycled"]));
    // Switched off, or not subscribed: gets nothing.
    let silent = Receiver::start(vec![]);
    webhook(
        &app,
        &admin,
        json!({ "name": "Off", "url": silent.url, "secret": SECRET, "active": false }),
    )
    .await;

    let lead_id = recycled_lead(&app, &admin, "sf-1").await;
    let queued = notification(&app, &lead_id)
        .await
        .expect("enqueued with the rejection");
    let event_id = lead_events::Entity::find()
        .filter(lead_events::Column::LeadId.eq(lead_id.parse::<i64>().unwrap()))
        .filter(lead_events::Column::Kind.eq("rejected"))
        .one(app.db())
        .await
        .unwrap()
        .unwrap()
        .id;
    let webhook_id = hook["id"].as_str().unwrap();
    assert_eq!(
        queued.idempotency_key,
        format!("recycled:{event_id}:{webhook_id}")
    );

    // First attempt: the receiver answers 500; the sender backs off 30 s.
    let failed = eventually("the failed first attempt", async || {
        notification(&app, &lead_id)
            .await
            .filter(|n| n.attempts == 1)
    })
    .await;
    assert_eq!(failed.status, "pending");
    assert!(
        failed.last_error.as_deref().unwrap().contains("500"),
        "{failed:?}"
    );
    assert_eq!(receiver.received().len(), 1);

    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    assert_eq!(receiver.received().len(), 1, "no retry before the backoff");
    app.clock.advance(Duration::seconds(31));
    let sent = eventually("the retry", async || {
        notification(&app, &lead_id)
            .await
            .filter(|n| n.status == "sent")
    })
    .await;
    assert_eq!(sent.attempts, 2);

    let received = receiver.received();
    assert_eq!(received.len(), 2);
    for request in &received {
        assert!(
            signature::verify(SECRET, &request.body, &request.signature),
            "bad signature {:?}",
            request.signature
        );
        assert_eq!(request.event, "lead.recycled");
        assert_eq!(request.delivery, queued.idempotency_key);
    }
    assert_eq!(
        received[0].body, received[1].body,
        "a retry sends the same body"
    );
    let body: Value = serde_json::from_slice(&received[1].body).unwrap();
    assert_eq!(body["event"], "lead.recycled");
    assert_eq!(body["lead"]["id"], lead_id);
    assert_eq!(body["lead"]["externalId"], "sf-1");
    assert_eq!(body["lead"]["email"], "sf-1@example.com");
    assert_eq!(body["lead"]["company"], "Initech");
    assert_eq!(body["lead"]["campaign"], "spring");
    assert_eq!(body["reason"]["code"], "bad_fit");
    assert!(body["reason"]["label"].is_string(), "{body}");
    assert!(body["recyclePlay"].is_string(), "{body}");
    assert_eq!(body["note"], "too small");
    assert!(body["occurredAt"].is_string());
    assert!(silent.received().is_empty());

    // The delivery log.
    let log = app
        .graphql(
            Some(&admin),
            LOG,
            json!({ "filter": { "leadId": lead_id } }),
        )
        .await;
    let connection = &log["data"]["notifications"];
    assert_eq!(connection["totalCount"], 1, "{log}");
    let node = &connection["edges"][0]["node"];
    assert_eq!(node["status"], "SENT");
    assert_eq!(node["attempts"], 2);
    assert_eq!(node["channel"], "webhook");
    assert_eq!(node["target"], receiver.url);
    assert_eq!(node["attemptLog"][0]["success"], false);
    assert_eq!(node["attemptLog"][0]["statusCode"], 500);
    assert_eq!(node["attemptLog"][1]["success"], true);
    assert_eq!(node["attemptLog"][1]["statusCode"], 200);
    assert!(node["sentAt"].is_string());
}

#[tokio::test]
async fn an_unreachable_webhook_is_dead_lettered_after_eight_attempts() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    app.user_with_token("rep@handoff.test", "REP").await;
    // A port nobody listens on.
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    webhook(
        &app,
        &admin,
        json!({ "name": "Gone", "url": format!("http://127.0.0.1:{port}/hook"), "secret": SECRET }),
    )
    .await;
    let lead_id = recycled_lead(&app, &admin, "sf-2").await;
    for attempt in 1..=8 {
        eventually("the next attempt", async || {
            notification(&app, &lead_id)
                .await
                .filter(|n| n.attempts == attempt)
        })
        .await;
        app.clock.advance(Duration::hours(1));
    }
    let dead = notification(&app, &lead_id).await.unwrap();
    assert_eq!(dead.status, "dead");
    assert_eq!(dead.attempts, 8);
    assert!(dead.last_error.is_some());
    tokio::time::sleep(StdDuration::from_millis(1500)).await;
    assert_eq!(notification(&app, &lead_id).await.unwrap().attempts, 8);

    let log = app
        .graphql(Some(&admin), LOG, json!({ "filter": { "status": "DEAD" } }))
        .await;
    assert_eq!(log["data"]["notifications"]["totalCount"], 1, "{log}");
}

#[tokio::test]
async fn webhooks_are_validated_and_admin_only() {
    let app = spawn_app().await;
    let admin = app.admin_token().await;
    let (_, rep) = app.user_with_token("rep@handoff.test", "REP").await;
    let input = json!({ "name": "M", "url": "https://mkt.example/hook", "secret": SECRET });
    assert_eq!(
        error_code(
            &app.graphql(Some(&rep), UPSERT, json!({ "input": input }))
                .await
        ),
        "FORBIDDEN"
    );
    for (input, field) in [
        (
            json!({ "name": "M", "url": "mkt.example", "secret": SECRET }),
            "url",
        ),
        (
            json!({ "name": "M", "url": "https://mkt.example" }),
            "secret",
        ),
        (
            json!({ "name": "M", "url": "https://mkt.example", "secret": SECRET, "events": ["lead.won"] }),
            "events[0]",
        ),
    ] {
        let response = app
            .graphql(Some(&admin), UPSERT, json!({ "input": input }))
            .await;
        assert_eq!(error_code(&response), "BAD_USER_INPUT", "{response}");
        assert_eq!(response["errors"][0]["extensions"]["field"], field);
    }
    let created = webhook(&app, &admin, input).await;
    assert_eq!(created["events"], json!(["*"]));
    // Updating without a secret keeps it.
    let updated = webhook(
        &app,
        &admin,
        json!({ "id": created["id"], "name": "Renamed", "url": "https://mkt.example/v2", "active": false }),
    )
    .await;
    assert_eq!(updated["name"], "Renamed");
    assert_eq!(updated["active"], false);
    let list = app
        .graphql(
            Some(&admin),
            "{ outboundWebhooks { id name url } }",
            json!({}),
        )
        .await;
    assert_eq!(
        list["data"]["outboundWebhooks"][0]["url"],
        "https://mkt.example/v2"
    );
}
