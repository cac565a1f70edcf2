// A rep's day: their queue with ticking SLA countdowns, accepting a lead, and a rejection that
// needs a reason. Data comes from the API (e2e/lib/api.mjs); the browser does what a rep does.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, createRep, leadFor } from '../lib/api.mjs';

let browser;
let rep;
let first;
let second;
before(async () => {
  browser = await launchBrowser();
  const admin = await adminToken();
  rep = await createRep(admin, 'Quinn Queue');
  first = await leadFor(admin, rep, { firstName: 'Ada', lastName: 'First', company: 'Acme One', leadType: 'demo_request' });
  second = await leadFor(admin, rep, { firstName: 'Bob', lastName: 'Second', company: 'Beta Two', leadType: 'contact_sales' });
});
after(async () => {
  await browser?.close();
});

test('a rep signs in and lands on their queue, each lead with an SLA countdown', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await logIn(page, rep.email, rep.password);
    await page.waitForURL('**/queue');
    await page.getByRole('heading', { name: 'My queue' }).waitFor();

    const rows = page.getByTestId('queue-row');
    await rows.first().waitFor();
    assert.equal(await rows.count(), 2, 'both leads of the rep');
    for (const lead of [first, second]) {
      const row = page.locator(`[data-testid="queue-row"][data-lead-id="${lead.id}"]`);
      await row.waitFor();
      const countdown = row.getByTestId('countdown');
      await countdown.waitFor();
      assert.ok(
        ['calm', 'half', 'risk', 'breached'].includes(await countdown.getAttribute('data-band')),
        'a running clock has an urgency band',
      );
      assert.match(await countdown.textContent(), /\d+:\d\d:\d\d (left|overdue)/);
    }
    assert.equal(await page.getByTestId('nav-queue').getAttribute('aria-current'), 'page');
    assert.equal(await page.getByTestId('nav-leaders').count(), 0, 'reps have no leader board');
    await page.getByTestId('live-status').and(page.locator('[data-live="live"]')).waitFor();
    await screenshot(page, '10-rep-queue');
    assertClean();
  } finally {
    await close();
  }
});

test('a rep opens a lead from the queue and accepts it', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await logIn(page, rep.email, rep.password);
    await page.getByRole('link', { name: 'Ada First' }).click();
    await page.waitForURL(`**/leads/${first.id}`);
    await page.getByTestId('lead-name').filter({ hasText: 'Ada First' }).waitFor();
    assert.equal((await page.getByTestId('lead-status').textContent()).trim(), 'MQL');
    await page.getByTestId('sla-clock').first().waitFor();

    await page.getByRole('button', { name: 'Accept', exact: true }).click();
    await page.getByTestId('lead-status').filter({ hasText: 'SAL' }).waitFor();
    await page.getByTestId('step-done').filter({ hasText: 'Lead accepted.' }).waitFor();
    await page.locator('[data-testid="history-event"][data-kind="accepted"]').first().waitFor();
    await screenshot(page, '11-lead-accepted');

    // Back in the queue the lead is still open (SAL) and the browser's back button works.
    await page.goBack();
    await page.waitForURL('**/queue');
    await page.locator(`[data-testid="queue-row"][data-lead-id="${first.id}"] [data-testid="lead-status"]`)
      .filter({ hasText: 'SAL' }).waitFor();
    assertClean();
  } finally {
    await close();
  }
});

test('rejecting without a reason shows the error beside the reason picklist', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    // A deep link: the server answers the app shell, which asks to sign in and then shows it.
    await page.goto(`/leads/${second.id}`);
    await logIn(page, rep.email, rep.password);
    await page.getByTestId('lead-name').filter({ hasText: 'Bob Second' }).waitFor();

    const form = page.getByRole('form', { name: 'Reject' });
    await form.getByLabel('Note').fill('not a fit, I think');
    await form.getByRole('button', { name: 'Reject lead' }).click();
    const error = page.getByTestId('reject-reason-error');
    await error.waitFor();
    assert.ok((await error.textContent()).trim().length > 0, 'the error says what is wrong');
    const reason = form.getByLabel('Reason');
    assert.equal(await reason.getAttribute('aria-invalid'), 'true');
    assert.equal(await reason.getAttribute('aria-describedby'), 'reject-reason-error');
    assert.equal((await page.getByTestId('lead-status').textContent()).trim(), 'MQL', 'nothing changed');
    await screenshot(page, '12-reject-needs-a-reason');

    // With a reason it goes through: the lead goes back to marketing.
    await reason.selectOption('bad_fit');
    await form.getByRole('button', { name: 'Reject lead' }).click();
    await page.getByTestId('lead-status').filter({ hasText: 'RECYCLED' }).waitFor();
    assertClean();
  } finally {
    await close();
  }
});

test('a lead given to the rep appears in their open queue live, without a reload', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/queue');
    await logIn(page, rep.email, rep.password);
    await page.getByTestId('queue-row').first().waitFor();
    await page.locator('[data-testid="live-status"][data-live="live"]').waitFor();

    const admin = await adminToken();
    const third = await leadFor(admin, rep, { firstName: 'Cy', lastName: 'Third', company: 'Gamma Three', leadType: 'demo_request' });
    await page.locator(`[data-testid="queue-row"][data-lead-id="${third.id}"]`).waitFor();
    await screenshot(page, '13-queue-live');
    assertClean();
  } finally {
    await close();
  }
});

test('a session the server no longer accepts goes back to the login page', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/queue');
    await page.getByRole('heading', { name: 'Sign in to Handoff' }).waitFor();
    await page.evaluate(() => sessionStorage.setItem('handoff.token', 'hs_expired-or-revoked-token'));
    await page.reload();
    await page.getByRole('heading', { name: 'Sign in to Handoff' }).waitFor();
    await page.getByText('Your session has expired. Please sign in again.').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('handoff.token')), null);
    // Signing in again returns to the page the user was on.
    await logIn(page, rep.email, rep.password);
    await page.getByRole('heading', { name: 'My queue' }).waitFor();
    assert.match(page.url(), /\/queue$/);
    await screenshot(page, '14-expired-session');
    assertClean();
  } finally {
    await close();
  }
});
