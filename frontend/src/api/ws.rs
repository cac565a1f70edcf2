//! A small `graphql-transport-ws` client on the browser's WebSocket: one socket per
//! subscription, `connection_init` carrying the bearer token (CONTRACT.md section 1), pings
//! answered, and every `next` payload handed to the caller.
//!
//! The socket's handlers are owned by JavaScript (`Closure::into_js_value`), so a callback that
//! ends the subscription (a screen unmounting while it handles an event) never frees the closure
//! that is running; a shared flag silences them once the handle is dropped.

use std::cell::Cell;
use std::rc::Rc;

use serde_json::{Value, json};
use wasm_bindgen::closure::Closure;
use wasm_bindgen::{JsCast, JsValue};
use web_sys::{CloseEvent, MessageEvent, WebSocket};

use super::graphql::ENDPOINT;

/// The WebSocket subprotocol the server speaks.
pub const PROTOCOL: &str = "graphql-transport-ws";

/// What happened on the socket, for the caller to react to.
#[derive(Debug, Clone, PartialEq)]
pub enum LiveEvent {
    /// The server acknowledged the token and the subscription is running: anything missed
    /// while connecting should be fetched again.
    Ready,
    /// One `next` result: its `data`, or `None` when the result carried only errors (for
    /// instance `LAGGED`: events were dropped and the caller should refetch).
    Next(Option<Value>),
    /// The server refused the operation (`error`) or finished it (`complete`).
    Ended(String),
    /// The socket closed; `acknowledged` tells whether the server had accepted the token.
    Closed { code: u16, acknowledged: bool },
}

/// A running subscription; dropping it closes the socket.
pub struct LiveHandle {
    socket: WebSocket,
    dropped: Rc<Cell<bool>>,
}

impl Drop for LiveHandle {
    fn drop(&mut self) {
        self.dropped.set(true);
        self.socket.set_onopen(None);
        self.socket.set_onmessage(None);
        self.socket.set_onclose(None);
        self.socket.set_onerror(None);
        // Closing an already closed socket is a no-op; an error here has nobody to tell.
        let _ = self.socket.close_with_code(1000);
    }
}

/// The socket URL of the API on this page's origin (`ws:` for `http:`, `wss:` for `https:`).
fn socket_url() -> Result<String, JsValue> {
    let location = web_sys::window()
        .ok_or_else(|| JsValue::from_str("no window"))?
        .location();
    let scheme = if location.protocol()? == "https:" {
        "wss:"
    } else {
        "ws:"
    };
    Ok(format!("{scheme}//{}{ENDPOINT}", location.host()?))
}

fn send(socket: &WebSocket, message: &Value) {
    // A send on a closing socket fails; the close handler reports that.
    let _ = socket.send_with_str(&message.to_string());
}

/// Opens a socket and runs `query` with `variables` on it; `on_event` hears everything.
pub fn subscribe(
    query: &'static str,
    variables: Value,
    token: &str,
    on_event: impl Fn(LiveEvent) + 'static,
) -> Result<LiveHandle, JsValue> {
    let socket = WebSocket::new_with_str(&socket_url()?, PROTOCOL)?;
    let dropped = Rc::new(Cell::new(false));
    let acknowledged = Rc::new(Cell::new(false));
    let on_event = Rc::new(on_event);

    let onopen = {
        let (socket, dropped) = (socket.clone(), dropped.clone());
        let init = json!({ "type": "connection_init", "payload": { "token": token } });
        Closure::<dyn FnMut()>::new(move || {
            if !dropped.get() {
                send(&socket, &init);
            }
        })
        .into_js_value()
    };
    socket.set_onopen(Some(onopen.unchecked_ref()));

    let onmessage = {
        let (socket, dropped, acknowledged, on_event) = (
            socket.clone(),
            dropped.clone(),
            acknowledged.clone(),
            on_event.clone(),
        );
        Closure::<dyn FnMut(MessageEvent)>::new(move |event: MessageEvent| {
            if dropped.get() {
                return;
            }
            let Some(text) = event.data().as_string() else {
                return;
            };
            let Ok(message) = serde_json::from_str::<Value>(&text) else {
                return;
            };
            match message.get("type").and_then(Value::as_str) {
                Some("connection_ack") => {
                    acknowledged.set(true);
                    send(
                        &socket,
                        &json!({ "id": "1", "type": "subscribe",
                                 "payload": { "query": query, "variables": variables.clone() } }),
                    );
                    on_event(LiveEvent::Ready);
                }
                Some("ping") => send(&socket, &json!({ "type": "pong" })),
                Some("next") => {
                    let data = message
                        .pointer("/payload/data")
                        .filter(|d| !d.is_null())
                        .cloned();
                    on_event(LiveEvent::Next(data));
                }
                Some("error") => {
                    let text = message
                        .pointer("/payload/0/message")
                        .and_then(Value::as_str)
                        .unwrap_or("the server refused the subscription");
                    on_event(LiveEvent::Ended(text.to_owned()));
                }
                Some("complete") => on_event(LiveEvent::Ended("the server ended it".to_owned())),
                _ => {}
            }
        })
        .into_js_value()
    };
    socket.set_onmessage(Some(onmessage.unchecked_ref()));

    let onclose = {
        let (dropped, acknowledged, on_event) = (dropped.clone(), acknowledged, on_event);
        Closure::<dyn FnMut(CloseEvent)>::new(move |event: CloseEvent| {
            if !dropped.get() {
                dropped.set(true);
                on_event(LiveEvent::Closed {
                    code: event.code(),
                    acknowledged: acknowledged.get(),
                });
            }
        })
        .into_js_value()
    };
    socket.set_onclose(Some(onclose.unchecked_ref()));

    Ok(LiveHandle { socket, dropped })
}
