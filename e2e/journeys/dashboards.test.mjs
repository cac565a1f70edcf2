// The dashboards: for a fixed filter (one day, a lead type of this journey's own), the figures
// the compliance and funnel dashboards display equal the GraphQL reports; a drill-down opens
// the leads behind a number (and a lead from there); the CSV button downloads the export.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { config, launchBrowser, logIn, openPage, screenshot } from '../lib/browser.mjs';
import { adminToken, createRep, gql, leadFor, unique } from '../lib/api.mjs';

let browser;
let admin;
let rep;
const leadType = `e2e_dash_${unique()}`;
const source = `e2e-source-${unique()}`;
const leads = [];

// The filter: today (UTC), inclusive, as the dashboard reads it from the URL.
const day = new Date().toISOString().slice(0, 10);
const nextDay = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
const reportFilter = { from: `${day}T00:00:00Z`, to: `${nextDay}T00:00:00Z`, leadTypes: [leadType] };
const dashboardQuery = `?from=${day}&to=${day}&leadType=${encodeURIComponent(leadType)}`;

const percent = (rate) => (rate === null || rate === undefined ? '—' : `${(rate * 100).toFixed(1)} %`);

before(async () => {
  browser = await launchBrowser();
  admin = await adminToken();
  const days = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];
  const calendar = await gql(
    admin,
    'mutation($input: NamedCalendarInput!) { upsertBusinessCalendar(input: $input) { id } }',
    {
      input: {
        name: `dash always open ${unique()}`,
        calendar: { timezone: 'UTC', weekly: days.map((d) => ({ day: d, open: '00:00', close: '24:00' })) },
      },
    },
  );
  await gql(admin, 'mutation($input: LeadTypeInput!) { upsertLeadType(input: $input) { key } }', {
    input: { key: leadType, label: 'E2E dashboards', instantMql: true },
  });
  await gql(admin, 'mutation($input: SlaPolicyInput!) { upsertSlaPolicy(input: $input) { id } }', {
    input: {
      name: `one hour ${leadType}`,
      leadType,
      kind: 'FIRST_RESPONSE',
      targetSeconds: 3600,
      calendarId: calendar.upsertBusinessCalendar.id,
      startOn: 'mql',
      escalateToManager: false,
    },
  });
  rep = await createRep(admin, `Dash Rep ${unique()}`);
  for (let i = 0; i < 3; i += 1) {
    leads.push(await leadFor(admin, rep, { company: `Dash Co ${i} ${unique()}`, leadType, source }));
  }
  // One accepted (first response met, SAL), one rejected (met, feedback), one still running.
  await gql(admin, 'mutation($id: ID!) { acceptLead(id: $id) { id } }', { id: leads[0].id });
  await gql(admin, 'mutation($id: ID!, $r: String!) { rejectLead(id: $id, reasonCode: $r) { id } }', {
    id: leads[1].id,
    r: 'bad_fit',
  });
});
after(async () => {
  await browser?.close();
});

test('dashboard figures equal the GraphQL report figures', { timeout: 90_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto(`/dashboards/compliance${dashboardQuery}`);
    await logIn(page, config.email, config.password);
    await page.getByRole('heading', { name: 'Dashboards' }).waitFor();
    await page.getByTestId('nav-dashboards').waitFor();
    await page.getByTestId('compliance-tiles').waitFor();

    const { slaCompliance: report } = await gql(
      admin,
      `query($f: ReportFilter) { slaCompliance(filter: $f) { met breached running approaching complianceRate
         byOwner { key complianceRate met } } }`,
      { f: reportFilter },
    );
    assert.equal(report.met + report.running + report.breached, 3, JSON.stringify(report));
    assert.equal(await page.getByTestId('tile-rate').textContent(), percent(report.complianceRate));
    for (const status of ['met', 'breached', 'running', 'approaching']) {
      assert.equal(Number(await page.getByTestId(`tile-${status}`).textContent()), report[status], status);
    }
    const owner = report.byOwner.find((g) => g.key === rep.id);
    assert.ok(owner, `the rep has a row: ${JSON.stringify(report.byOwner)}`);
    const row = page.locator(`[data-testid="owner-row"][data-key="${rep.id}"]`);
    assert.equal(await row.getByTestId('rate').textContent(), percent(owner.complianceRate));
    await screenshot(page, '30-dashboard-compliance');

    // Drill down: the met clocks' leads, each a link to the lead.
    await page.getByTestId(`drill-owner-${rep.id}-met`).click();
    await page.getByTestId('drill-total').filter({ hasText: `${owner.met} leads` }).waitFor();
    const drilled = page.getByTestId('drill-lead');
    assert.equal(await drilled.count(), owner.met);
    const ids = await drilled.evaluateAll((els) => els.map((e) => e.dataset.leadId).sort());
    const { slaComplianceLeads: behind } = await gql(
      admin,
      `query($f: ReportFilter, $o: ID) { slaComplianceLeads(filter: $f, status: MET, ownerId: $o, first: 100)
         { totalCount edges { node { id } } } }`,
      { f: reportFilter, o: rep.id },
    );
    assert.equal(behind.totalCount, owner.met);
    assert.deepEqual(ids, behind.edges.map((e) => e.node.id).sort());

    // CSV export of the same filter.
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByTestId('export-slaCompliance').click(),
    ]);
    const csv = await readFile(await download.path(), 'utf8');
    const lines = csv.trim().split(/\r?\n/);
    assert.ok(lines.length >= 2, csv);
    assert.ok(lines.some((line) => line.includes(rep.id)), csv);

    await drilled.first().getByRole('link').click();
    await page.waitForURL(/\/leads\/\w+$/);
    await page.getByTestId('lead-name').waitFor();

    // The funnel of the same filter.
    await page.goto(`/dashboards/funnel${dashboardQuery}`);
    await page.getByTestId('funnel-stages').waitFor();
    const { funnel } = await gql(
      admin,
      'query($f: ReportFilter) { funnel(filter: $f) { stages { stage count conversionFromPrevious } } }',
      { f: reportFilter },
    );
    assert.equal(funnel.stages.find((s) => s.stage === 'MQL')?.count, 3, JSON.stringify(funnel));
    for (const stage of funnel.stages) {
      const shown = page.locator(`[data-testid="funnel-stage"][data-stage="${stage.stage}"]`);
      assert.equal(Number(await shown.getByTestId('count').textContent()), stage.count, stage.stage);
      assert.equal(await shown.getByTestId('conversion').textContent(), percent(stage.conversionFromPrevious));
    }
    // The filter came from the URL and stays in it.
    assert.equal(await page.getByLabel('Lead type').inputValue(), leadType);
    assert.ok(page.url().includes(`leadType=${encodeURIComponent(leadType)}`), page.url());
    await screenshot(page, '31-dashboard-funnel');
    assertClean();
  } finally {
    await close();
  }
});

test('every dashboard tab loads its report for the linked filter, without errors', { timeout: 90_000 }, async () => {
  const { page, assertClean, close } = await openPage(browser);
  try {
    await page.goto(`/dashboards/compliance${dashboardQuery}`);
    await logIn(page, config.email, config.password);
    await page.getByTestId('compliance-tiles').waitFor();
    const tabs = [
      ['funnel', 'funnel-stages'],
      ['feedback', 'feedback-total'],
      ['leakage', 'leakage-count'],
      ['governance', 'governance-summary'],
      ['baseline', 'baseline-kpis'],
      ['scorecard', 'scorecard'],
    ];
    for (const [tab, content] of tabs) {
      await page.getByTestId(`tab-${tab}`).click();
      await page.waitForURL(new RegExp(`/dashboards/${tab}\\?`));
      assert.ok(page.url().includes(`leadType=${encodeURIComponent(leadType)}`), page.url());
      const shown = page.locator(`[data-testid="${content}"], [role="alert"]`).first();
      await shown.waitFor();
      assert.equal(await shown.getAttribute('data-testid'), content, `${tab}: ${await shown.textContent()}`);
    }
    assert.equal(await page.getByTestId('feedback-total').count(), 0);
    await page.getByTestId('tab-feedback').click();
    const { feedback } = await gql(admin, 'query($f: ReportFilter) { feedback(filter: $f) { rejections } }', {
      f: reportFilter,
    });
    await page.getByTestId('feedback-total').filter({ hasText: `${feedback.rejections} rejections` }).waitFor();

    // What-if: the same lead type under a one-second target.
    await page.getByTestId('tab-simulator').click();
    await page.locator('#sim-type').selectOption(leadType);
    await page.getByLabel('Target (seconds)').fill('1');
    await page.getByTestId('simulate').click();
    const summary = page.locator('[data-testid="simulation-summary"], [role="alert"]').first();
    await summary.waitFor();
    assert.equal(await summary.getAttribute('data-testid'), 'simulation-summary', await summary.textContent());
    await page.getByTestId('simulation').waitFor();
    await screenshot(page, '32-dashboard-what-if');
    assertClean();
  } finally {
    await close();
  }
});
