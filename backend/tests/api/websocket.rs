//! The `graphql-transport-ws` WebSocket at `GET /graphql`.

use std::time::Duration;

use futures_util::{SinkExt as _, StreamExt as _};
use handoff::entities::leads;
use handoff::events::{LeadNotice, LiveEvent};
use sea_orm::{ActiveModelTrait as _, Set};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::tungstenite::client::IntoClientRequest as _;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream, connect_async};

use crate::helpers::{TestApp, spawn_app};

pub type Socket = WebSocketStream<MaybeTlsStream<TcpStream>>;

async fn open(app: &TestApp) -> Socket {
    open_port(app.port).await
}

/// A graphql-transport-ws connection to the server on `port`.
pub async fn open_port(port: u16) -> Socket {
    let mut request = format!("ws://127.0.0.1:{port}/graphql")
        .into_client_request()
        .unwrap();
    request.headers_mut().insert(
        "Sec-WebSocket-Protocol",
        "graphql-transport-ws".parse().unwrap(),
    );
    let (socket, response) = connect_async(request).await.expect("the WebSocket upgrade");
    assert_eq!(
        response.headers()["sec-websocket-protocol"],
        "graphql-transport-ws",
        "the server speaks graphql-transport-ws"
    );
    socket
}

pub async fn send(socket: &mut Socket, message: Value) {
    socket
        .send(Message::text(message.to_string()))
        .await
        .unwrap();
}

/// The next protocol message, or `None` when the server closed the connection.
pub async fn next(socket: &mut Socket) -> Option<Value> {
    loop {
        let message = tokio::time::timeout(Duration::from_secs(10), socket.next())
            .await
            .expect("a message within 10 s");
        match message {
            Some(Ok(Message::Text(text))) => {
                return Some(serde_json::from_str(text.as_str()).unwrap());
            }
            Some(Ok(Message::Ping(_) | Message::Pong(_))) => continue,
            Some(Ok(Message::Close(_))) | None | Some(Err(_)) => return None,
            Some(Ok(other)) => panic!("unexpected WebSocket message {other:?}"),
        }
    }
}

#[tokio::test]
async fn connection_init_with_a_valid_token_is_acknowledged() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let mut socket = open(&app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": token } }),
    )
    .await;
    assert_eq!(
        next(&mut socket).await.expect("an answer")["type"],
        "connection_ack"
    );
}

#[tokio::test]
async fn connection_init_with_a_bad_token_is_rejected() {
    let app = spawn_app().await;
    let mut socket = open(&app).await;
    let bad = "hs_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA";
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": bad } }),
    )
    .await;
    assert_eq!(
        next(&mut socket).await,
        None,
        "the server closes the connection without an ack"
    );
}

#[tokio::test]
async fn subscribing_without_a_token_is_unauthenticated() {
    let app = spawn_app().await;
    let mut socket = open(&app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": {} }),
    )
    .await;
    assert_eq!(
        next(&mut socket).await.expect("an answer")["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { slaEvents { kind } }" } }),
    )
    .await;
    // An execution error arrives as a `next` payload with `errors`, then the operation completes.
    let answer = next(&mut socket).await.expect("an answer");
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(
        answer["payload"]["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{answer}"
    );
}

#[tokio::test]
async fn a_subscriber_receives_lead_changes() {
    let app = spawn_app().await;
    let token = app.admin_token().await;
    let now = handoff::clock::Clock::now(app.clock.as_ref());
    let lead = leads::ActiveModel {
        external_id: Set("crm-1".into()),
        email: Set("ada@example.com".into()),
        email_domain: Set("example.com".into()),
        lead_type: Set("demo_request".into()),
        score: Set(0),
        score_breakdown: Set("[]".into()),
        status: Set("NEW".into()),
        created_at: Set(now),
        updated_at: Set(now),
        touches: Set(0),
        version: Set(0),
        ..Default::default()
    }
    .insert(app.db())
    .await
    .unwrap();

    let mut socket = open(&app).await;
    send(
        &mut socket,
        json!({ "type": "connection_init", "payload": { "token": token } }),
    )
    .await;
    assert_eq!(
        next(&mut socket).await.expect("an answer")["type"],
        "connection_ack"
    );
    send(
        &mut socket,
        json!({ "id": "1", "type": "subscribe", "payload": { "query": "subscription { leadChanged { id externalId status } }" } }),
    )
    .await;

    // The subscription is registered asynchronously; publish until it is seen.
    let notice = LiveEvent::LeadChanged(LeadNotice {
        lead_id: lead.id,
        owner_id: None,
        team_id: None,
    });
    let publisher = {
        let events = app.state.events.clone();
        tokio::spawn(async move {
            for _ in 0..50 {
                events.publish(notice.clone());
                tokio::time::sleep(Duration::from_millis(100)).await;
            }
        })
    };
    let answer = next(&mut socket).await.expect("an answer");
    publisher.abort();
    assert_eq!(answer["type"], "next", "{answer}");
    assert_eq!(
        answer["payload"]["data"]["leadChanged"]["externalId"], "crm-1",
        "{answer}"
    );
    assert_eq!(
        answer["payload"]["data"]["leadChanged"]["status"], "NEW",
        "{answer}"
    );
}
