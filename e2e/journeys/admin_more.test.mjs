// The remaining admin screens: users and teams (a bad e-mail is reported beside its field, a
// new user is listed with their team, availability is set, a team becomes a shared queue);
// rejection reasons and lead types; integrations (an API token's secret shown once, an outbound
// webhook whose delivery shows in the notification log).
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, createRep, gql, leadFor, unique } from '../lib/api.mjs';

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

test('an admin creates a user, sets them out of office and makes a team a shared queue', { timeout: 60_000 }, async () => {
  const teamName = `e2e team ${unique()}`;
  await gql(admin, 'mutation($input: TeamInput!) { upsertTeam(input: $input) { id } }', { input: { name: teamName } });
  const name = `E2E User ${unique()}`;
  const email = `user-${unique()}@e2e.test`;
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'users');
    await page.getByTestId('user-list').waitFor();
    const form = page.getByRole('form', { name: 'New user' });
    const emailField = form.getByLabel('E-mail', { exact: true });
    await emailField.fill('not-an-address');
    await form.getByLabel('Name', { exact: true }).fill(name);
    await form.getByLabel('Team', { exact: true }).selectOption({ label: teamName });
    await form.getByLabel('Time zone (IANA, e.g. Europe/Paris)').fill('Europe/Paris');
    await page.getByTestId('user-save').click();
    await page.getByTestId('user-email-error').waitFor();
    assert.equal(await emailField.getAttribute('aria-describedby'), 'user-email-error');
    await screenshot(page, '40-admin-user-error');

    await emailField.fill(email);
    await page.getByTestId('user-save').click();
    const row = page.getByTestId('user-list').getByRole('row').filter({ hasText: email });
    await row.waitFor();
    const text = await row.innerText();
    assert.match(text, new RegExp(name));
    assert.match(text, new RegExp(teamName));
    assert.match(text, /Europe\/Paris/);

    // Out of office through the edit form; the API agrees.
    await page.getByLabel('User', { exact: true }).selectOption({ label: name });
    const edit = page.getByRole('form', { name: `Edit ${name}` });
    await edit.getByLabel('Out of office').check();
    await page.getByTestId('edit-user-save').click();
    await page.getByTestId('admin-saved').filter({ hasText: 'User saved.' }).waitFor();
    const away = await gql(admin, 'query { users(outOfOffice: true) { email } }');
    assert.ok(away.users.some((u) => u.email === email));

    // The team becomes a shared queue.
    await page.getByLabel('Team to edit').selectOption({ label: teamName });
    const teamForm = page.getByRole('form', { name: `Edit ${teamName}` });
    assert.equal(await teamForm.getByLabel('Team name').inputValue(), teamName);
    await teamForm.getByLabel('Reps claim leads from a shared queue').check();
    await page.getByTestId('team-save').click();
    await page.getByTestId('team-list').getByRole('row').filter({ hasText: teamName }).filter({ hasText: 'yes' }).waitFor();
    await screenshot(page, '41-admin-users');
    assertClean();
  } finally {
    await close();
  }
});

test('an admin adds a rejection reason, deactivates it, and relabels a lead type', { timeout: 60_000 }, async () => {
  const code = `e2e_${unique()}`;
  const leadType = `e2e_type_${unique()}`;
  await gql(admin, 'mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }', {
    input: { key: leadType, label: `Type ${leadType}` },
  });
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'reasons');
    await page.getByTestId('reason-list').waitFor();
    const form = page.getByRole('form', { name: 'New reason' });
    await form.getByLabel('Code').fill(code);
    await form.getByLabel('Label').fill(`Reason ${code}`);
    await page.getByTestId('reason-save').click();
    const row = page.getByTestId('reason-list').getByRole('row').filter({ hasText: code });
    await row.filter({ hasText: 'yes' }).waitFor();

    await page.getByLabel('Reason to edit').selectOption({ label: `Reason ${code}` });
    await page.getByRole('form', { name: `Edit Reason ${code}` }).getByLabel('Active').uncheck();
    await page.getByTestId('reason-save').click();
    await row.filter({ hasText: /no$/ }).waitFor();
    const active = await gql(admin, 'query { rejectionReasons { code } }');
    assert.ok(!active.rejectionReasons.some((r) => r.code === code));

    await page.getByLabel('Lead type to edit').selectOption({ label: `Type ${leadType}` });
    const typeForm = page.getByRole('form', { name: `Edit Type ${leadType}` });
    await typeForm.getByLabel('Label').fill(`Relabelled ${leadType}`);
    await page.getByTestId('lead-type-save').click();
    await page.getByTestId('lead-type-list').getByRole('row').filter({ hasText: `Relabelled ${leadType}` }).waitFor();
    await screenshot(page, '42-admin-reasons');
    assertClean();
  } finally {
    await close();
  }
});

test('an admin creates an API token, sees its secret once, and a webhook delivery in the log', { timeout: 60_000 }, async () => {
  const hook = `e2e-hook-${unique()}`;
  const url = `https://${hook}.example.invalid/hook`;
  const { page, assertClean, close } = await openPage(browser);
  try {
    await openAdmin(page, 'integrations');
    await page.getByTestId('webhook-list').waitFor();
    await page.getByLabel('Token name').fill(`e2e token ${unique()}`);
    await page.getByTestId('token-save').click();
    const secret = await page.getByTestId('one-time-secret').innerText();
    assert.ok(secret.length >= 16, `a token secret: ${secret}`);
    const me = await gql(secret, 'query { me { role } }');
    assert.equal(me.me.role, 'INTEGRATION');
    await screenshot(page, '43-admin-token');

    // An outbound webhook for recycled leads; a rejected lead queues a delivery to it.
    const form = page.getByRole('form', { name: 'New webhook' });
    await form.getByLabel('Webhook name').fill(hook);
    await form.getByLabel('URL').fill(url);
    await form.getByLabel(/^Signing secret/).fill(`secret-${unique()}-0123456789`);
    await page.getByTestId('webhook-save').click();
    await page.getByTestId('webhook-list').getByRole('row').filter({ hasText: hook }).waitFor();
    const leadType = `e2e_hook_${unique()}`;
    await gql(admin, 'mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }', {
      input: { key: leadType, label: `Hook ${leadType}`, instantMql: true },
    });
    const rep = await createRep(admin, `Hook Rep ${unique()}`);
    const lead = await leadFor(admin, rep, { company: `Hook Co ${unique()}`, leadType });
    await gql(admin, 'mutation($id: ID!, $r: String!) { rejectLead(id: $id, reasonCode: $r) { id } }', {
      id: lead.id,
      r: 'bad_fit',
    });

    // Leaving and coming back: the secret is gone, the log lists the delivery.
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-integrations').click();
    await page.getByTestId('webhook-list').waitFor();
    assert.equal(await page.getByTestId('one-time-secret').count(), 0);
    await page.getByLabel('Channel').selectOption('webhook');
    const row = page.getByTestId('delivery-log').getByRole('row').filter({ hasText: url });
    await row.waitFor();
    assert.match(await row.innerText(), /lead\.recycled/);
    await screenshot(page, '44-admin-delivery-log');

    // Switched off again so later journeys' rejections do not queue deliveries to it.
    await page.getByLabel('Webhook to edit').selectOption({ label: hook });
    await page.getByRole('form', { name: `Edit ${hook}` }).getByLabel('Active').uncheck();
    await page.getByTestId('webhook-save').click();
    await page.getByTestId('webhook-list').getByRole('row').filter({ hasText: hook }).filter({ hasText: /no$/ }).waitFor();
    assertClean();
  } finally {
    await close();
  }
});
