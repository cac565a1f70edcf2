// The live feed through the real npm `graphql-ws` client: a `leadChanged` subscription
// receives a lead ingested over HTTP.
//
// Env: HANDOFF_E2E_URL (http://127.0.0.1:PORT) and HANDOFF_E2E_TOKEN (an admin token); without
// a token, HANDOFF_E2E_EMAIL and HANDOFF_E2E_PASSWORD log in. Run: node --test e2e/live/
import { test } from "node:test";
import assert from "node:assert/strict";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const baseUrl = process.env.HANDOFF_E2E_URL;
if (!baseUrl) throw new Error("HANDOFF_E2E_URL is not set");

async function graphql(query, variables, token) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      ...(token ? { authorization: `Bearer ${token}` } : {}),
    },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

async function adminToken() {
  if (process.env.HANDOFF_E2E_TOKEN) return process.env.HANDOFF_E2E_TOKEN;
  const data = await graphql(
    "mutation($email: String!, $password: String!) { login(email: $email, password: $password) { token } }",
    { email: process.env.HANDOFF_E2E_EMAIL, password: process.env.HANDOFF_E2E_PASSWORD },
  );
  return data.login.token;
}

test("leadChanged delivers a lead ingested over HTTP to a graphql-ws client", async (t) => {
  const token = await adminToken();
  let acknowledged;
  const ready = new Promise((resolve) => (acknowledged = resolve));
  const client = createClient({
    url: baseUrl.replace(/^http/, "ws") + "/graphql",
    webSocketImpl: WebSocket,
    connectionParams: { token },
    lazy: false,
    retryAttempts: 0,
    on: { connected: () => acknowledged() },
  });
  t.after(() => client.dispose());

  const externalId = `graphql-ws-${Date.now()}`;
  const received = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("no leadChanged within 10 s")), 10_000);
    client.subscribe(
      { query: "subscription { leadChanged { id externalId status } }" },
      {
        next: (message) => {
          if (message.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(message.errors)));
          } else if (message.data?.leadChanged?.externalId === externalId) {
            clearTimeout(timer);
            resolve(message.data.leadChanged);
          }
        },
        error: (error) => {
          clearTimeout(timer);
          reject(error instanceof Error ? error : new Error(JSON.stringify(error)));
        },
        complete: () => {},
      },
    );
  });
  await ready;
  // The server registers a subscription shortly after the `subscribe` message; the feed
  // only shows what is committed after that, so give it a moment.
  await new Promise((resolve) => setTimeout(resolve, 300));

  const data = await graphql(
    "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created leads { id } } }",
    { leads: [{ externalId, email: `${externalId}@example.com`, leadType: "webinar" }] },
    token,
  );
  assert.equal(data.ingestLeads.created, 1);
  const lead = await received;
  assert.equal(lead.id, data.ingestLeads.leads[0].id);
  assert.equal(lead.externalId, externalId);
});
