// Signing in and out, as the admin created by HANDOFF_ADMIN_EMAIL / HANDOFF_ADMIN_PASSWORD.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';

let browser;
before(async () => {
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
});

test('the admin signs in and sees who they are, survives a reload, then logs out', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to Handoff' }).waitFor();
    await logIn(page, config.email, config.password);

    const email = page.getByTestId('me-email');
    await email.waitFor();
    assert.equal((await email.textContent()).trim(), config.email);
    assert.equal(await page.getByTestId('me-role').getAttribute('data-role'), 'ADMIN');
    assert.equal((await page.getByTestId('me-role').textContent()).trim(), 'Admin');
    const name = (await page.getByTestId('me-full-name').textContent()).trim();
    assert.ok(name.length > 0, 'me.name is shown');
    assert.match(await page.getByRole('heading', { level: 1 }).textContent(), new RegExp(`Welcome, ${name}`));
    assert.ok(await page.evaluate(() => sessionStorage.getItem('handoff.token')), 'the token is kept in sessionStorage');
    await screenshot(page, '01-signed-in');

    await page.reload();
    await page.getByTestId('me-email').waitFor();

    await page.getByRole('button', { name: 'Log out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Handoff' }).waitFor();
    await page.getByText('You have signed out.').waitFor();
    assert.equal(await page.evaluate(() => sessionStorage.getItem('handoff.token')), null);
    await screenshot(page, '01-signed-out');
    assertClean();
  } finally {
    await close();
  }
});

test('a wrong password shows an error and signs nobody in', { timeout: 60_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await logIn(page, config.email, `${config.password}-wrong`);

    const alert = page.getByTestId('login-error');
    await alert.waitFor();
    assert.ok((await alert.textContent()).trim().length > 0, 'the error says something');
    assert.equal(await page.getByTestId('me-email').count(), 0);
    assert.equal(await page.evaluate(() => sessionStorage.getItem('handoff.token')), null);
    assert.equal(await page.getByRole('button', { name: 'Sign in' }).isEnabled(), true, 'the form can be retried');
    await screenshot(page, '02-wrong-password');
    assertClean();
  } finally {
    await close();
  }
});
