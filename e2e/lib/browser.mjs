// Shared set-up for the journeys: Debian's Chromium driven by playwright-core, pointed only at
// the server scripts/e2e.sh started (HANDOFF_E2E_URL).
import { mkdir } from 'node:fs/promises';
import { chromium } from 'playwright-core';

function required(name) {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set; run the journeys through scripts/e2e.sh`);
  return value;
}

export const config = {
  baseURL: required('HANDOFF_E2E_URL'),
  email: required('HANDOFF_E2E_EMAIL'),
  password: required('HANDOFF_E2E_PASSWORD'),
};

const artifacts = new URL('../artifacts/', import.meta.url);

export async function launchBrowser() {
  return chromium.launch({
    executablePath: process.env.HANDOFF_CHROMIUM ?? '/usr/bin/chromium',
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/**
 * A fresh page (own context, so own sessionStorage) that records every console error, page
 * error and failed request; `assertClean()` fails the journey if there was any.
 */
export async function openPage(browser) {
  const context = await browser.newContext({ baseURL: config.baseURL, viewport: { width: 1024, height: 720 } });
  const page = await context.newPage();
  page.setDefaultTimeout(15_000);
  const problems = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console error: ${msg.text()}`);
  });
  page.on('pageerror', (err) => problems.push(`page error: ${err.message}`));
  page.on('requestfailed', (req) =>
    problems.push(`request failed: ${req.method()} ${req.url()} (${req.failure()?.errorText})`),
  );
  return {
    page,
    problems,
    assertClean() {
      if (problems.length) throw new Error(`the browser reported problems:\n  ${problems.join('\n  ')}`);
    },
    async close() {
      await context.close();
    },
  };
}

export async function screenshot(page, name) {
  await mkdir(artifacts, { recursive: true });
  const path = new URL(`${name}.png`, artifacts);
  await page.screenshot({ path: path.pathname, fullPage: true });
  return path.pathname;
}

/** Fills the login form through its labels, as a person would. */
export async function logIn(page, email, password) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Sign in' }).click();
}
