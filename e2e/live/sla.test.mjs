// A 4-second SLA through the real npm `graphql-ws` client and a real SMTP server: the
// subscription shows 50 %, 80 % and the breach in order, each within a second of its instant,
// and the rep and the manager get their mails.
//
// Env: HANDOFF_E2E_URL, HANDOFF_E2E_TOKEN (an admin token) and HANDOFF_E2E_MAIL_FILE (the
// JSON lines e2e/smtp_sink.py writes; scripts/e2e.sh starts it and points SMTP_URL at it).
import { test } from "node:test";
import assert from "node:assert/strict";
import { readFileSync, existsSync } from "node:fs";
import { createClient } from "graphql-ws";
import WebSocket from "ws";

const baseUrl = process.env.HANDOFF_E2E_URL;
const token = process.env.HANDOFF_E2E_TOKEN;
const mailFile = process.env.HANDOFF_E2E_MAIL_FILE;
if (!baseUrl || !token) throw new Error("HANDOFF_E2E_URL and HANDOFF_E2E_TOKEN must be set");

async function graphql(query, variables) {
  const response = await fetch(`${baseUrl}/graphql`, {
    method: "POST",
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: JSON.stringify({ query, variables }),
  });
  assert.equal(response.status, 200);
  const body = await response.json();
  assert.equal(body.errors, undefined, JSON.stringify(body.errors));
  return body.data;
}

function mails() {
  if (!existsSync(mailFile)) return [];
  return readFileSync(mailFile, "utf8")
    .split("\n")
    .filter((line) => line.trim())
    .map((line) => JSON.parse(line));
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

test("a 4-second SLA: 50 %, 80 % and breach in order, each within a second, and mailed", async (t) => {
  const run = Date.now().toString(36);
  const weekly = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"].map((day) => ({
    day,
    open: "00:00",
    close: "24:00",
  }));
  const calendar = await graphql(
    "mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }",
    { input: { name: `QA always ${run}`, calendar: { timezone: "UTC", weekly } } },
  );
  const manager = await graphql(
    "mutation($input: UserInput!) { createUser(input: $input) { id email } }",
    { input: { email: `qa-manager-${run}@e2e.test`, name: "QA Manager", password: "qa-manager-password", role: "MANAGER" } },
  );
  const team = await graphql("mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }", {
    input: { name: `QA fast ${run}`, managerId: manager.createUser.id },
  });
  const teamId = team.upsertTeam.id;
  const rep = await graphql("mutation($input: UserInput!) { createUser(input: $input) { id email } }", {
    input: {
      email: `qa-rep-${run}@e2e.test`,
      name: "QA Rep",
      password: "qa-rep-password",
      role: "REP",
      teamId,
      managerId: manager.createUser.id,
    },
  });
  const leadType = `qa_fast_${run}`;
  await graphql("mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }", {
    input: { key: leadType, label: "QA fast", instantMql: true },
  });
  await graphql("mutation($input: RoutingRuleInput!) { upsertRoutingRule(input: $input) { id } }", {
    input: { name: `QA fast ${run}`, priority: 0, leadTypes: [leadType], teamId, method: "ROUND_ROBIN" },
  });
  await graphql("mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }", {
    input: {
      name: "QA four seconds",
      leadType,
      kind: "FIRST_RESPONSE",
      targetSeconds: 4,
      calendarId: calendar.upsertBusinessCalendar.id,
      startOn: "assigned",
      notifyAtPercent: [50, 80],
    },
  });

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

  const externalId = `qa-fast-${run}`;
  const events = [];
  const breached = new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no breach within 15 s: ${JSON.stringify(events)}`)), 15_000);
    client.subscribe(
      {
        query: `subscription($teamId: ID) { slaEvents(teamId: $teamId) {
                  kind occurredAt clock { kind startedAt dueAt } lead { externalId } } }`,
        variables: { teamId },
      },
      {
        next: (message) => {
          if (message.errors) {
            clearTimeout(timer);
            reject(new Error(JSON.stringify(message.errors)));
            return;
          }
          const event = message.data?.slaEvents;
          if (event?.lead?.externalId !== externalId || event.clock.kind !== "FIRST_RESPONSE") return;
          events.push({ ...event, receivedAt: Date.now() });
          if (event.kind === "BREACHED") {
            clearTimeout(timer);
            resolve();
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
  await sleep(300);

  await graphql(
    "mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { created errors { message } } }",
    { leads: [{ externalId, email: `buyer-${run}@qa.example`, firstName: "Quinn", company: "QA Corp", leadType }] },
  );
  await breached;

  assert.deepEqual(
    events.map((e) => e.kind),
    ["STARTED", "AT_RISK_50", "AT_RISK_80", "BREACHED"],
  );
  const started = Date.parse(events[0].clock.startedAt);
  const offsets = events.map((e) => Date.parse(e.occurredAt) - started);
  for (const [index, expected] of [0, 2000, 3200, 4000].entries()) {
    assert.ok(Math.abs(offsets[index] - expected) <= 1, `${events[index].kind} at ${offsets[index]} ms, not ${expected}`);
  }
  for (const event of events.slice(1)) {
    const late = event.receivedAt - Date.parse(event.occurredAt);
    assert.ok(late >= 0 && late < 1000, `${event.kind} arrived ${late} ms after its instant`);
  }

  if (!mailFile) return;
  // 50 % -> the rep; 80 % -> the rep and a copy to the manager; breach -> the manager.
  const wanted = [
    [rep.createUser.email, "SLA at risk (50 %)"],
    [rep.createUser.email, "SLA at risk (80 %)"],
    [manager.createUser.email, "SLA at risk (80 %)"],
    [manager.createUser.email, "SLA breached"],
  ];
  const deadline = Date.now() + 10_000;
  let ours = [];
  while (Date.now() < deadline) {
    ours = mails().filter((m) => m.body.includes(`buyer-${run}@qa.example`));
    if (ours.length >= wanted.length) break;
    await sleep(100);
  }
  await sleep(500);
  ours = mails().filter((m) => m.body.includes(`buyer-${run}@qa.example`));
  const got = ours.map((m) => [m.rcpt_tos.join(","), m.subject]);
  for (const [to, subject] of wanted) {
    const matching = got.filter(([rcpt, s]) => rcpt === to && s.startsWith(subject));
    assert.equal(matching.length, 1, `one mail to ${to} "${subject}…", got ${JSON.stringify(got)}`);
  }
  assert.equal(got.length, wanted.length, JSON.stringify(got));
  for (const mail of ours) {
    assert.ok(mail.body.includes(`${baseUrl}/leads/`), "the mail links to the lead in the app");
  }
});
