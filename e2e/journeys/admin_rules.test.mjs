// The admin screens of issue 6's last part: a scoring rule saved and a sample lead scored by
// the server; a routing rule saved and a sample lead routed to the expected rep; a user's
// capacity and weight edited (and read back over GraphQL); an API token revoked (it stops
// working); the notification delivery log paged forwards and back.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, createRep, gql, unique } from '../lib/api.mjs';

let browser;
let admin;
before(async () => {
  browser = await launchBrowser();
  admin = await adminToken();
});
after(async () => {
  await browser?.close();
});

async function openAdmin(page, section) {
  await page.goto('/');
  await logIn(page, config.email, config.password);
  await page.getByTestId('nav-admin').click();
  await page.waitForURL('**/admin');
  await page.getByTestId(`admin-${section}`).click();
  await page.waitForURL(`**/admin/${section}`);
}

test('an admin adds a scoring rule and the preview scores a sample lead with it', { timeout: 60_000 }, async () => {
  const industry = `e2e-industry-${unique()}`;
  const ruleName = `E2E ${industry}`;
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'scoring');
    await page.getByTestId('scoring-list').waitFor();
    const form = page.getByRole('form', { name: 'New scoring rule' });
    await form.getByLabel('Rule name').fill(ruleName);
    await form.getByLabel(/^Points/).fill('7');
    await form.getByLabel('Lead attribute (firmographic)').selectOption('industry');
    await form.getByLabel('Operator').selectOption('equals');
    await form.getByLabel(/^Compared with/).fill(industry);
    await page.getByTestId('scoring-save').click();
    await page.getByTestId('scoring-list').getByRole('row').filter({ hasText: ruleName }).waitFor();

    // Senior title +20, size +25, the download itself +10, the new rule +7.
    const preview = page.getByRole('form', { name: 'Score a sample lead' });
    await preview.getByLabel('Sample lead type').selectOption('content_download');
    await preview.getByLabel('Job title').fill('VP Sales');
    await preview.getByLabel('Company size').fill('300');
    await preview.getByLabel('Industry').fill(industry);
    await page.getByTestId('score-preview-save').click();
    await page.getByTestId('score-preview-total').filter({ hasText: 'Score 62' }).waitFor();
    assert.match(await page.getByTestId('score-preview-verdict').innerText(), /Not an MQL/);
    await page.getByTestId('score-preview-breakdown').getByRole('row').filter({ hasText: ruleName }).waitFor();

    // Two pricing-page visits (+30) make it an MQL.
    await preview.getByLabel(/^Engagement so far/).fill('pricing_page, pricing_page');
    await page.getByTestId('score-preview-save').click();
    await page.getByTestId('score-preview-total').filter({ hasText: 'Score 92' }).waitFor();
    assert.match(await page.getByTestId('score-preview-verdict').innerText(), /An MQL at once/);
    await screenshot(page, '45-admin-scoring-preview');
    assertClean();
  } finally {
    await close();
  }
});

test('an admin adds a territory rule and the preview names the rep it routes to', { timeout: 60_000 }, async () => {
  const teamName = `e2e territory ${unique()}`;
  const team = (await gql(admin, 'mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }', {
    input: { name: teamName },
  })).upsertTeam;
  const repName = `Territory Rep ${unique()}`;
  await gql(admin, 'mutation($input: UserInput!) { createUser(input: $input) { id } }', {
    input: { email: `territory-${unique()}@e2e.test`, name: repName, role: 'REP', teamId: team.id },
  });
  const country = `Z${unique()}`;
  const ruleName = `E2E territory ${country}`;
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'routing');
    await page.getByTestId('routing-list').waitFor();
    const form = page.getByRole('form', { name: 'New routing rule' });
    await form.getByLabel('Rule name').fill(ruleName);
    await form.getByLabel(/^Priority/).fill('1');
    await form.getByLabel(/^Countries/).fill(country);
    await form.getByLabel('Team', { exact: true }).selectOption({ label: teamName });
    await page.getByTestId('routing-save').click();
    await page.getByTestId('routing-list').getByRole('row').filter({ hasText: ruleName }).waitFor();

    const preview = page.getByRole('form', { name: 'Route a sample lead' });
    await preview.getByLabel('Country', { exact: true }).fill(country);
    await page.getByTestId('route-preview-save').click();
    await page.getByTestId('route-preview-owner').filter({ hasText: repName }).waitFor();
    assert.match(await page.getByTestId('route-preview-step').innerText(), new RegExp(ruleName));
    await screenshot(page, '46-admin-routing-preview');
    assertClean();
  } finally {
    await close();
  }
});

test("an admin edits a user's capacity and weight, and the API reads them back", { timeout: 60_000 }, async () => {
  const rep = await createRep(admin, `Capacity Rep ${unique()}`);
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'users');
    await page.getByTestId('user-list').waitFor();
    await page.getByLabel('User to edit').selectOption({ label: rep.name });
    const form = page.getByRole('form', { name: `Edit ${rep.name}` });
    const weight = form.getByLabel('Routing weight (1–100)');
    await weight.fill('0');
    await page.getByTestId('profile-save').click();
    await page.getByTestId('profile-weight-error').waitFor();
    assert.equal(await weight.getAttribute('aria-describedby'), 'profile-weight-error');

    await form.getByLabel(/^Capacity/).fill('7');
    await weight.fill('3');
    await page.getByTestId('profile-save').click();
    await page.getByTestId('admin-saved').filter({ hasText: 'Profile saved.' }).waitFor();
    const { users } = await gql(admin, 'query { users { id capacity weight } }');
    const saved = users.find((u) => u.id === rep.id);
    assert.equal(saved.capacity, 7);
    assert.equal(saved.weight, 3);
    await page.getByTestId('user-list').getByRole('row').filter({ hasText: rep.email }).waitFor();
    await screenshot(page, '47-admin-user-capacity');
    assertClean();
  } finally {
    await close();
  }
});

test('an admin revokes an API token and it stops working', { timeout: 60_000 }, async () => {
  const name = `e2e revoke ${unique()}`;
  const { createApiToken } = await gql(
    admin,
    'mutation($name: String!) { createApiToken(name: $name, role: INTEGRATION) { token } }',
    { name },
  );
  const me = await gql(createApiToken.token, 'query { me { role } }');
  assert.equal(me.me.role, 'INTEGRATION');
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'integrations');
    const row = page.getByTestId('token-list').getByRole('row').filter({ hasText: name });
    await row.waitFor();
    await row.getByRole('button', { name: `Revoke ${name}` }).click();
    await row.filter({ hasText: 'revoked' }).waitFor();
    await assert.rejects(gql(createApiToken.token, 'query { me { role } }'), /UNAUTHENTICATED/);
    await screenshot(page, '48-admin-token-revoked');
    assertClean();
  } finally {
    await close();
  }
});

test('the notification delivery log pages forwards and back', { timeout: 90_000 }, async () => {
  const hook = `e2e-paging-${unique()}`;
  const { upsertOutboundWebhook: webhook } = await gql(
    admin,
    'mutation($input: OutboundWebhookInput!) { upsertOutboundWebhook(input: $input) { id } }',
    { input: { name: hook, url: `https://${hook}.example.invalid/hook`, secret: `secret-${unique()}-0123456789`, events: ['lead.recycled'], active: true } },
  );
  const leadType = `e2e_paging_${unique()}`;
  await gql(admin, 'mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }', {
    input: { key: leadType, label: `Paging ${leadType}`, instantMql: true },
  });
  await createRep(admin, `Paging Rep ${unique()}`);
  const leads = Array.from({ length: 22 }, (_, i) => ({
    externalId: `e2e-paging-${unique()}-${i}`,
    email: `paging-${unique()}-${i}@example.com`,
    leadType,
  }));
  const { ingestLeads } = await gql(
    admin,
    'mutation($leads: [LeadInput!]!) { ingestLeads(leads: $leads) { errors { message } leads { id } } }',
    { leads },
  );
  assert.deepEqual(ingestLeads.errors, []);
  for (const lead of ingestLeads.leads) {
    await gql(admin, 'mutation($id: ID!) { rejectLead(id: $id, reasonCode: "bad_fit") { id } }', { id: lead.id });
  }
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'integrations');
    const { notifications } = await gql(admin, 'query { notifications(filter: { channel: "webhook" }) { totalCount } }');
    const total = notifications.totalCount;
    assert.ok(total > 20, `more than a page of webhook deliveries: ${total}`);
    await page.getByLabel('Channel').selectOption('webhook');
    await page.getByText(`${total} notifications`, { exact: true }).waitFor();
    const rowSelector = '[data-testid="delivery-log"] tbody tr';
    const rowCount = (n) => page.waitForFunction(
      ([selector, count]) => document.querySelectorAll(selector).length === count,
      [rowSelector, n],
    );
    const rows = page.locator(rowSelector);
    await rowCount(20);
    const firstOnPageOne = await rows.first().innerText();
    assert.equal(await page.getByRole('button', { name: 'Previous page' }).count(), 0);

    await page.getByRole('button', { name: 'Next page' }).click();
    await rowCount(Math.min(20, total - 20));
    await page.getByRole('button', { name: 'Previous page' }).waitFor();
    assert.notEqual(await rows.first().innerText(), firstOnPageOne, 'the second page shows other rows');
    await screenshot(page, '49-admin-delivery-log-page-2');

    await page.getByRole('button', { name: 'Previous page' }).click();
    await page.getByRole('button', { name: 'Previous page' }).waitFor({ state: 'detached' });
    await rowCount(20);
    assert.equal(await rows.first().innerText(), firstOnPageOne, 'back on the first page');
    assertClean();
  } finally {
    await gql(
      admin,
      'mutation($input: OutboundWebhookInput!) { upsertOutboundWebhook(input: $input) { id } }',
      { input: { id: webhook.id, name: hook, url: `https://${hook}.example.invalid/hook`, events: ['lead.recycled'], active: false } },
    );
    await close();
  }
});
