// The leader board: with a 3-second SLA on an always-open calendar, a new lead's breach shows
// up live (slaEvents over graphql-transport-ws) within 2 s of its due instant, with a toast.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, gql, ingestLead, unique } from '../lib/api.mjs';

let browser;
let admin;
const leadType = `e2e_breach_${unique()}`;
before(async () => {
  browser = await launchBrowser();
  admin = await adminToken();
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const calendar = await gql(
    admin,
    'mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }',
    {
      input: {
        name: `always open ${unique()}`,
        calendar: { timezone: 'UTC', weekly: days.map((day) => ({ day, open: '00:00', close: '24:00' })) },
      },
    },
  );
  await gql(admin, 'mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }', {
    input: { key: leadType, label: 'E2E breach', instantMql: true },
  });
  await gql(admin, 'mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }', {
    input: {
      name: `three seconds ${leadType}`,
      leadType,
      kind: 'FIRST_RESPONSE',
      targetSeconds: 3,
      calendarId: calendar.upsertBusinessCalendar.id,
      startOn: 'mql',
      escalateToManager: false,
    },
  });
});
after(async () => {
  await browser?.close();
});

test('a 3-second SLA breach appears on the leader board within 2 s, with a toast', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await logIn(page, config.email, config.password);
    await page.getByTestId('nav-leaders').click();
    await page.waitForURL('**/leaders');
    await page.getByRole('heading', { name: 'Leader board' }).waitFor();
    await page.getByTestId('compliance-overall').waitFor();
    // Subscribed before the lead exists: nothing can be missed.
    await page.locator('[data-testid="live-status"][data-live="live"]').waitFor();

    const lead = await ingestLead(admin, { company: `Breach Co ${unique()}`, leadType });
    const clock = lead.slaClocks.find((c) => c.kind === 'FIRST_RESPONSE');
    assert.ok(clock, `the policy started a clock: ${JSON.stringify(lead)}`);
    const due = Date.parse(clock.dueAt);

    const breached = page.locator(
      `[data-testid="sla-event"][data-kind="BREACHED"][data-lead-id="${lead.id}"]`,
    );
    await breached.waitFor({ timeout: Math.max(due + 2_000 - Date.now(), 1) + 250 });
    const late = Date.now() - due;
    assert.ok(late <= 2_000, `the breach showed ${late} ms after the due instant`);
    await page.getByTestId('toast').filter({ hasText: /breached/i }).first().waitFor();
    // The at-risk thresholds came first, each on the board.
    for (const kind of ['AT_RISK_50', 'AT_RISK_80']) {
      await page.locator(`[data-testid="sla-event"][data-kind="${kind}"][data-lead-id="${lead.id}"]`).waitFor();
    }
    await screenshot(page, '20-leader-board-breach');
    assertClean();
  } finally {
    await close();
  }
});
