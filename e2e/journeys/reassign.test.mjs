// A sales leader moves a lead to another rep from the lead page.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, createRep, leadFor } from '../lib/api.mjs';

let browser;
let from;
let to;
let lead;
before(async () => {
  browser = await launchBrowser();
  const admin = await adminToken();
  from = await createRep(admin, 'Rita Reassign');
  to = await createRep(admin, 'Tariq Target');
  lead = await leadFor(admin, from, { firstName: 'Dana', lastName: 'Moved', company: 'Delta Four', leadType: 'demo_request' });
});
after(async () => {
  await browser?.close();
});

test('an admin reassigns a lead to another rep with the owner picklist', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto(`/leads/${lead.id}`);
    await logIn(page, config.email, config.password);
    await page.getByTestId('lead-name').filter({ hasText: 'Dana Moved' }).waitFor();

    const form = page.getByRole('form', { name: 'Reassign' });
    // Without a choice the server names the field, and the form shows it beside the picklist.
    await form.getByRole('button', { name: 'Reassign' }).click();
    await page.getByTestId('reassign-owner-error').waitFor();

    const owner = form.getByLabel('New owner');
    await owner.locator(`option[value="${to.id}"]`).waitFor({ state: 'attached' });
    await owner.selectOption(to.id);
    await form.getByRole('button', { name: 'Reassign' }).click();
    await page.getByTestId('step-done').filter({ hasText: 'Lead reassigned.' }).waitFor();
    await page.locator('.facts dd', { hasText: 'Tariq Target' }).waitFor();
    assert.equal(await page.getByTestId('reassign-owner-error').count(), 0, 'the error is gone');
    await screenshot(page, '30-reassigned');
    assertClean();
  } finally {
    await close();
  }
});
