// The admin screens: an admin edits a business calendar (time zone, a lunch break, Friday's
// closing time), the live SLA preview shows the due instant computed here independently, a bad
// window is reported beside its field, the change is saved and survives a reload. And the
// Definitions page shows a policy's target from the live configuration.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, gql, unique } from '../lib/api.mjs';

let browser;
let admin;
before(async () => {
  browser = await launchBrowser();
  admin = await adminToken();
});
after(async () => {
  await browser?.close();
});

async function createCalendar(name) {
  const data = await gql(
    admin,
    'mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }',
    {
      input: {
        name,
        calendar: {
          timezone: 'UTC',
          weekly: ['mon', 'tue', 'wed', 'thu', 'fri'].map((day) => ({ day, open: '09:00', close: '18:00' })),
        },
      },
    },
  );
  return data.upsertBusinessCalendar.id;
}

/** Wall-clock parts of instant `ms` in `timeZone`. */
function wall(ms, timeZone) {
  const parts = new Intl.DateTimeFormat('en-US', {
    timeZone,
    hourCycle: 'h23',
    weekday: 'short',
    year: 'numeric',
    month: '2-digit',
    day: '2-digit',
    hour: '2-digit',
    minute: '2-digit',
  }).formatToParts(new Date(ms));
  const get = (type) => parts.find((p) => p.type === type).value;
  return {
    weekday: get('weekday').toLowerCase().slice(0, 3),
    asUtc: Date.UTC(+get('year'), +get('month') - 1, +get('day'), +get('hour'), +get('minute')),
    minuteOfDay: +get('hour') * 60 + +get('minute'),
  };
}

/** The instant whose wall clock in `timeZone` reads y-m-d h:mi. */
function zonedInstant(timeZone, y, m, d, h, mi) {
  const target = Date.UTC(y, m - 1, d, h, mi);
  let t = target;
  for (let i = 0; i < 3; i += 1) t -= wall(t, timeZone).asUtc - target;
  return t;
}

/** Business minutes walked one at a time: the instant `minutes` of open time after `start`. */
function dueAfter(start, minutes, timeZone, windows) {
  let t = start;
  let counted = 0;
  for (let guard = 0; guard < 60 * 24 * 30; guard += 1) {
    const { weekday, minuteOfDay } = wall(t, timeZone);
    const open = (windows[weekday] ?? []).some(([o, c]) => minuteOfDay >= o && minuteOfDay < c);
    t += 60_000;
    if (open) counted += 1;
    if (counted === minutes) return t;
  }
  throw new Error('no due instant within 30 days');
}

const hm = (text) => {
  const [h, m] = text.split(':').map(Number);
  return h * 60 + m;
};

test('an admin edits a calendar and the preview shows the right due time', { timeout: 90_000 }, async () => {
  const name = `NY sales ${unique()}`;
  const calendarId = await createCalendar(name);
  const { page, problems, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await logIn(page, config.email, config.password);
    await page.getByTestId('nav-admin').click();
    await page.waitForURL('**/admin');
    await page.getByTestId('admin-calendars').click();
    await page.waitForURL('**/admin/calendars');
    await page.getByRole('button', { name, exact: true }).click();
    await page.getByRole('heading', { name: `Edit ${name}` }).waitFor();

    // New York hours: a lunch break on Monday, Friday closes at 17:00.
    await page.getByLabel('Time zone').selectOption('America/New_York');
    await page.getByLabel('Monday closes', { exact: true }).fill('12:00');
    await page.getByLabel('Monday reopens').fill('13:00');
    await page.getByLabel('Monday closes again').fill('17:00');
    await page.getByLabel('Friday closes', { exact: true }).fill('17:00');

    // A lead arriving Friday 16:59 New York time with a 4-hour target.
    await page.getByLabel('A lead arriving at').fill('2026-12-04T16:59');
    await page.getByLabel('with a target of').fill('4');
    await page.getByLabel('Target unit').selectOption('hours');

    const zone = 'America/New_York';
    const windows = {
      mon: [[hm('09:00'), hm('12:00')], [hm('13:00'), hm('17:00')]],
      tue: [[hm('09:00'), hm('18:00')]],
      wed: [[hm('09:00'), hm('18:00')]],
      thu: [[hm('09:00'), hm('18:00')]],
      fri: [[hm('09:00'), hm('17:00')]],
    };
    const start = zonedInstant(zone, 2026, 12, 4, 16, 59);
    const expected = new Date(dueAfter(start, 240, zone, windows)).toISOString().replace('.000Z', 'Z');
    // One minute on Friday, 3 h before lunch on Monday, 59 min after: Monday 13:59 EST.
    assert.equal(expected, '2026-12-07T18:59:00Z');
    const due = page.locator(`[data-testid="preview-due"][data-due="${expected}"]`);
    await due.waitFor().catch(async (error) => {
      await screenshot(page, '30-admin-calendar-preview-failed');
      throw new Error(`${error.message}\npreview shows: ${await page.getByTestId('preview-result').innerText()}`);
    });
    assert.match(await due.innerText(), /Mon 2026-12-07 13:59 America\/New_York/);
    await screenshot(page, '30-admin-calendar-preview');

    // A window that closes before it opens is reported beside Tuesday's row (and the preview
    // cannot count in such a calendar either).
    await page.getByLabel('Tuesday closes', { exact: true }).fill('08:00');
    await page.getByTestId('preview-error').waitFor();
    await page.getByTestId('calendar-save').click();
    await page.getByTestId('window-error-tue').waitFor().catch(async (error) => {
      await screenshot(page, '31-admin-calendar-field-error-failed');
      throw new Error(`${error.message}\nproblems: ${problems.join('; ')}`);
    });
    await screenshot(page, '31-admin-calendar-field-error');
    await page.getByLabel('Tuesday closes', { exact: true }).fill('18:00');
    await due.waitFor();

    // Saving refreshes the list; wait for that answer so the reload aborts no request.
    const listed = page.waitForResponse(
      (r) => r.url().endsWith('/graphql') && (r.request().postData() ?? '').includes('query Definitions'),
    );
    await page.getByTestId('calendar-save').click();
    await page.getByTestId('calendar-saved').waitFor();
    await (await listed).finished();
    assert.equal(await page.getByTestId('window-error-tue').count(), 0);

    // The change persisted: after a reload the editor shows it, and so does the API.
    await page.reload();
    await page.getByRole('button', { name, exact: true }).click();
    await page.getByRole('heading', { name: `Edit ${name}` }).waitFor();
    assert.equal(await page.getByLabel('Friday closes', { exact: true }).inputValue(), '17:00');
    assert.equal(await page.getByLabel('Monday reopens').inputValue(), '13:00');
    assert.equal(await page.getByLabel('Time zone').inputValue(), zone);
    const stored = await gql(admin, '{ businessCalendars { id definition { timezone weekly { day open close } } } }');
    const calendar = stored.businessCalendars.find((c) => c.id === calendarId);
    assert.equal(calendar.definition.timezone, zone);
    assert.deepEqual(
      calendar.definition.weekly.filter((w) => w.day === 'fri' || w.day === 'mon'),
      [
        { day: 'mon', open: '09:00', close: '12:00' },
        { day: 'mon', open: '13:00', close: '17:00' },
        { day: 'fri', open: '09:00', close: '17:00' },
      ],
    );
    await screenshot(page, '32-admin-calendar-saved');
    assertClean();
  } finally {
    await close();
  }
});

test('the Definitions page shows a policy target from the live configuration, and follows an edit', { timeout: 60_000 }, async () => {
  const leadType = `e2e_defs_${unique()}`;
  const calendarName = `defs ${unique()}`;
  const calendarId = await createCalendar(calendarName);
  await gql(admin, 'mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }', {
    input: { key: leadType, label: `Definitions ${leadType}`, instantMql: true },
  });
  const policy = await gql(admin, 'mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }', {
    input: {
      name: `ninety minutes ${leadType}`,
      leadType,
      kind: 'FIRST_RESPONSE',
      targetSeconds: 5400,
      calendarId,
      startOn: 'mql',
      escalateToManager: true,
    },
  });
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto('/');
    await logIn(page, config.email, config.password);
    await page.getByTestId('nav-definitions').click();
    await page.waitForURL('**/definitions');
    await page.getByRole('heading', { name: 'Definitions' }).waitFor();
    const row = page.locator(`[data-testid="definition-policy"][data-policy-id="${policy.upsertSlaPolicy.id}"]`);
    await row.waitFor();
    assert.equal(await row.getByTestId('definition-target').innerText(), '1 h 30 min');
    const text = await row.innerText();
    assert.match(text, new RegExp(leadType));
    assert.match(text, new RegExp(calendarName));
    assert.match(text, /manager notified on breach/);
    assert.match(await page.getByTestId('definition-mql').innerText(), new RegExp(`Definitions ${leadType}`));
    await screenshot(page, '33-definitions');

    // The admin changes the target on the SLA policies screen; the playbook follows.
    await page.getByTestId('nav-admin').click();
    await page.getByTestId('admin-policies').click();
    await page.waitForURL('**/admin/policies');
    await page.getByRole('button', { name: `Edit ${leadType} First response` }).click();
    await page.getByRole('heading', { name: 'Edit policy' }).waitFor();
    assert.equal(await page.getByLabel('Target (business minutes)').inputValue(), '90');
    await page.getByLabel('Target (business minutes)').fill('120');
    await page.getByTestId('policy-save').click();
    await page.getByTestId('policy-saved').waitFor();
    await screenshot(page, '34-admin-policies');
    await page.getByTestId('nav-definitions').click();
    await page.waitForURL('**/definitions');
    await row.getByTestId('definition-target').filter({ hasText: '2 h' }).waitFor();
    assertClean();
  } finally {
    await close();
  }
});
