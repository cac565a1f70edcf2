//! Integrations: API tokens (`createApiToken`; the secret is shown once, in the answer; the
//! list, `apiTokens`, never shows it; `revokeApiToken`), inbound integrations (create, shown the signing secret
//! once; activate or deactivate), outbound webhooks (`upsertOutboundWebhook`), and the
//! notification delivery log (`notifications`, filtered by status and channel, paged).

use leptos::prelude::*;
use leptos::task::spawn_local;
use serde_json::{Value, json};

use super::form::{Editor, JsonForm, JsonLoad, Kind, control};
use crate::api::execute;
use crate::contexts::session::use_session;
use crate::pages::dashboards::generic::{DataTable, at, list, text};

const LOAD: &str = "query AdminIntegrations { apiTokens { id name role createdAt lastUsedAt revoked } \
     inboundIntegrations { id name active createdAt } \
     outboundWebhooks { id name url events active } }";

const TOKEN: &str = "mutation CreateToken($name: String!, $role: Role!) \
     { createApiToken(name: $name, role: $role) { token } }";

const REVOKE: &str = "mutation RevokeToken($id: ID!) { revokeApiToken(id: $id) { id } }";

const INBOUND: &str = "mutation CreateInbound($name: String!) \
     { createInboundIntegration(name: $name) { secret } }";

const INBOUND_ACTIVE: &str = "mutation InboundActive($id: ID!, $active: Boolean!) \
     { setInboundIntegrationActive(id: $id, active: $active) { id } }";

const WEBHOOK: &str = "mutation SaveWebhook($input: OutboundWebhookInput!) \
     { upsertOutboundWebhook(input: $input) { id } }";

const LOG: &str = "query DeliveryLog($filter: NotificationFilter, $after: String) { \
     notifications(filter: $filter, first: 20, after: $after) { totalCount \
       pageInfo { hasNextPage endCursor } \
       nodes { createdAt event channel target status attempts lastError sentAt } } }";

fn same(form: Value) -> Value {
    form
}

fn webhook(mut form: Value) -> Value {
    let events: Option<Vec<String>> = at(&form, "events").as_str().map(|s| {
        s.split(',')
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty())
            .collect()
    });
    if let Some(o) = form.as_object_mut() {
        o.insert("events".into(), json!(events));
    }
    json!({ "input": form })
}

/// An existing integration's switch (no new ones here: they have their own form).
fn inbound_initial(i: &Value) -> Value {
    if i.is_null() { Value::Null } else { i.clone() }
}

fn webhook_initial(w: &Value) -> Value {
    if w.is_null() {
        return json!({ "active": true, "events": "lead.recycled" });
    }
    let mut w = w.clone();
    let events = list(&w, "events")
        .iter()
        .filter_map(Value::as_str)
        .collect::<Vec<_>>()
        .join(", ");
    if let Some(o) = w.as_object_mut() {
        o.insert("events".into(), json!(events));
    }
    w
}

/// Where the one-time secret of a token or integration goes: shown until the page is left.
fn show_secret(
    secret: RwSignal<Option<(String, String)>>,
    what: &'static str,
    field: &'static str,
) -> Callback<Value> {
    Callback::new(move |d: Value| {
        let value = d
            .as_object()
            .and_then(|o| o.values().next())
            .map(|v| text(v, field))
            .unwrap_or_default();
        secret.set(Some((what.to_owned(), value)));
    })
}

#[component]
pub fn IntegrationsPage() -> impl IntoView {
    let reload = RwSignal::new(0_u32);
    let secret = RwSignal::new(None::<(String, String)>);
    let notice = RwSignal::new(None::<String>);
    let saved = move |what: &'static str| {
        Callback::new(move |_: Value| {
            notice.set(Some(what.to_owned()));
            reload.update(|r| *r += 1);
        })
    };
    let inbound_created = show_secret(secret, "The integration's signing secret", "secret");
    let token_created = show_secret(secret, "The new API token", "token");
    let render = Callback::new(move |d: Value| {
        let inbound = list(&d, "inboundIntegrations").to_vec();
        let webhooks: Vec<Value> = list(&d, "outboundWebhooks")
            .iter()
            .map(webhook_initial)
            .collect();
        let inbound_rows = inbound
            .iter()
            .map(|i| vec![text(i, "name"), text(i, "active"), text(i, "createdAt")])
            .collect();
        let webhook_rows = webhooks
            .iter()
            .map(|w| {
                ["name", "url", "events", "active"]
                    .iter()
                    .map(|k| text(w, k))
                    .collect()
            })
            .collect();
        view! {
            <TokenList tokens=list(&d, "apiTokens").to_vec() reload/>
            <h2>"Inbound integrations"</h2>
            <DataTable testid="inbound-list" headers=vec!["Name", "Active", "Created"] rows=inbound_rows/>
            <Editor pick_label="Integration to switch" new_label="Choose an integration" items=inbound
                id_key="id" label_key="name" prefix="inbound-active" to_initial=inbound_initial
                mutation=INBOUND_ACTIVE vars=same submit="Save" on_saved=saved("Integration saved.")
                controls=vec![control("active", "Active", Kind::Check)]/>
            <h2>"Outbound webhooks"</h2>
            <DataTable testid="webhook-list" headers=vec!["Name", "URL", "Events", "Active"] rows=webhook_rows/>
            <Editor pick_label="Webhook to edit" new_label="New webhook" items=webhooks id_key="id"
                label_key="name" prefix="webhook" to_initial=webhook_initial mutation=WEBHOOK vars=webhook
                submit="Save webhook" on_saved=saved("Webhook saved.")
                controls=vec![
                    control("name", "Webhook name", Kind::Text),
                    control("url", "URL", Kind::Text),
                    control("secret", "Signing secret (16 characters or more; empty keeps the current one)", Kind::OptText),
                    control("events", "Events (comma-separated)", Kind::OptText),
                    control("active", "Active", Kind::Check),
                ]/>
        }
        .into_any()
    });
    view! {
        <section class="panel admin" aria-labelledby="integrations-title">
            <h1 id="integrations-title">"Integrations"</h1>
            {move || notice.get().map(|n| view! { <p class="notice" role="status" data-testid="admin-saved">{n}</p> })}
            {move || secret.get().map(|(what, value)| view! {
                <div class="notice" role="status">
                    <p>{what} " (shown once; copy it now):"</p>
                    <p><code data-testid="one-time-secret">{value}</code></p>
                </div>
            })}
            <JsonForm title="New API token".to_owned() prefix="token"
                controls=vec![
                    control("name", "Token name", Kind::Text),
                    control("role", "Acts as", Kind::Choice(
                        [("INTEGRATION", "Integration"), ("MARKETING_OPS", "Marketing ops"), ("ADMIN", "Admin")]
                            .iter().map(|(v, l)| ((*v).to_owned(), (*l).to_owned())).collect())),
                ]
                initial=json!({ "role": "INTEGRATION" }) mutation=TOKEN vars=same submit="Create token"
                on_saved=Callback::new(move |d: Value| { token_created.run(d); reload.update(|r| *r += 1); })/>
            <JsonForm title="New inbound integration".to_owned() prefix="inbound"
                controls=vec![control("name", "Integration name", Kind::Text)]
                initial=json!({}) mutation=INBOUND vars=same submit="Create integration"
                on_saved=Callback::new(move |d: Value| { inbound_created.run(d); reload.update(|r| *r += 1); })/>
            <JsonLoad query=LOAD reload render/>
            <DeliveryLog/>
        </section>
    }
}

/// The API tokens with a Revoke button each (a revoked token stops working at once).
#[component]
fn TokenList(tokens: Vec<Value>, reload: RwSignal<u32>) -> impl IntoView {
    let session = use_session();
    let error = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let revoke = move |id: String| {
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        spawn_local(async move {
            let result = match session.require_token() {
                Ok(token) => session
                    .check(execute::<_, Value>(REVOKE, json!({ "id": id }), Some(&token)).await),
                Err(e) => Err(e),
            };
            let _ = busy.try_set(false);
            match result {
                Ok(_) => reload.update(|r| *r += 1),
                Err(e) => {
                    let _ = error.try_set(Some(e.first_message().to_owned()));
                }
            }
        });
    };
    let rows = tokens
        .into_iter()
        .map(|t| {
            let id = text(&t, "id");
            let name = text(&t, "name");
            let revoked = at(&t, "revoked").as_bool().unwrap_or(false);
            let label = format!("Revoke {name}");
            view! {
                <tr>
                    <th scope="row">{name.clone()}</th>
                    <td>{text(&t, "role")}</td>
                    <td>{text(&t, "createdAt")}</td>
                    <td>{text(&t, "lastUsedAt")}</td>
                    <td>
                        {if revoked {
                            view! { <span>"revoked"</span> }.into_any()
                        } else {
                            view! {
                                <button type="button" class="secondary" aria-label=label
                                    disabled=move || busy.get() on:click=move |_| revoke(id.clone())>
                                    "Revoke"
                                </button>
                            }
                            .into_any()
                        }}
                    </td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <h2>"API tokens"</h2>
        {move || error.get().map(|e| view! { <p class="alert" role="alert">{e}</p> })}
        <div class="table-scroll">
            <table data-testid="token-list">
                <thead>
                    <tr>
                        <th scope="col">"Name"</th>
                        <th scope="col">"Acts as"</th>
                        <th scope="col">"Created"</th>
                        <th scope="col">"Last used"</th>
                        <th scope="col">"Status"</th>
                    </tr>
                </thead>
                <tbody>{rows}</tbody>
            </table>
        </div>
    }
}

const STATUSES: [(&str, &str); 4] = [
    ("", "Any status"),
    ("PENDING", "Pending"),
    ("SENT", "Sent"),
    ("DEAD", "Dead"),
];
const CHANNELS: [(&str, &str); 5] = [
    ("", "Any channel"),
    ("email", "E-mail"),
    ("slack", "Slack"),
    ("teams", "Teams"),
    ("webhook", "Webhook"),
];

/// The notification outbox, newest first as the API lists it, 20 a page.
#[component]
fn DeliveryLog() -> impl IntoView {
    let status = RwSignal::new(String::new());
    let channel = RwSignal::new(String::new());
    // The cursors of the pages before the one shown; the last is this page's `after`.
    let cursors = RwSignal::new(Vec::<String>::new());
    let vars = Signal::derive(move || {
        let opt = |s: String| (!s.is_empty()).then_some(s);
        json!({
            "filter": { "status": opt(status.get()), "channel": opt(channel.get()) },
            "after": cursors.with(|c| c.last().cloned()),
        })
    });
    let select = |id: &'static str,
                  label: &'static str,
                  options: &'static [(&'static str, &'static str)],
                  signal: RwSignal<String>| {
        view! {
            <div class="field">
                <label for=id>{label}</label>
                <select id=id on:change=move |ev| { cursors.set(Vec::new()); signal.set(event_target_value(&ev)); }>
                    {options.iter().map(|(v, l)| view! { <option value=*v>{*l}</option> }).collect_view()}
                </select>
            </div>
        }
    };
    let render = Callback::new(move |d: Value| {
        let p = at(&d, "notifications");
        let rows = list(p, "nodes")
            .iter()
            .map(|n| {
                [
                    "createdAt",
                    "event",
                    "channel",
                    "target",
                    "status",
                    "attempts",
                    "lastError",
                    "sentAt",
                ]
                .iter()
                .map(|k| text(n, k))
                .collect()
            })
            .collect();
        let info = at(p, "pageInfo");
        let next = at(info, "hasNextPage")
            .as_bool()
            .unwrap_or(false)
            .then(|| text(info, "endCursor"));
        view! {
            <p class="muted">{format!("{} notifications", text(p, "totalCount"))}</p>
            <DataTable testid="delivery-log"
                headers=vec!["Created", "Event", "Channel", "Target", "Status", "Attempts", "Last error", "Sent"]
                rows/>
            <div class="actions">
                {move || cursors.with(|c| !c.is_empty()).then(|| view! {
                    <button type="button" class="secondary" on:click=move |_| cursors.update(|c| { c.pop(); })>"Previous page"</button>
                })}
                {next.map(|cursor| view! {
                    <button type="button" class="secondary" on:click=move |_| cursors.update(|c| c.push(cursor.clone()))>"Next page"</button>
                })}
            </div>
        }
        .into_any()
    });
    view! {
        <h2>"Notification delivery log"</h2>
        {select("log-status", "Status", &STATUSES, status)}
        {select("log-channel", "Channel", &CHANNELS, channel)}
        <JsonLoad query=LOG reload=RwSignal::new(0) render vars/>
    }
}
