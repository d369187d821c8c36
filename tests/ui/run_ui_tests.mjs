// run_ui_tests.mjs - drives baton's web UI in Debian's headless chromium
// with Playwright (playwright-core; no browser download).
//
//   node tests/ui/run_ui_tests.mjs --base http://127.0.0.1:PORT \
//        --artifacts tests/artifacts/ui [--scenario NAME ...]
//
// The server must already run (tests/e2e/test_ui.py starts `baton serve`
// on a temporary project: see the pipelines it writes).  Prints one
// "ok NAME" or "not ok NAME: why" line per scenario, then
// "N passed, N failed"; exits 1 when any failed.  Screenshots go to
// --artifacts.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

let chromium;
try {
  ({ chromium } = await import('playwright-core'));
} catch (e) {
  console.error('playwright-core is not installed: run `npm ci --prefix tests/ui` ' +
    '(scripts/test does it through scripts/deps.sh)');
  process.exit(2);
}

const args = { scenario: [] };
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i];
  if (a === '--base') args.base = process.argv[++i];
  else if (a === '--artifacts') args.artifacts = process.argv[++i];
  else if (a === '--scenario') args.scenario.push(process.argv[++i]);
  else if (a === '--chromium') args.chromium = process.argv[++i];
  else { console.error('unknown argument ' + a); process.exit(2); }
}
if (!args.base) { console.error('--base URL is required'); process.exit(2); }
const ART = path.resolve(args.artifacts || 'tests/artifacts/ui');
fs.mkdirSync(ART, { recursive: true });
const CHROMIUM = args.chromium || process.env.BATON_CHROMIUM || '/usr/bin/chromium';
if (!fs.existsSync(CHROMIUM)) {
  console.error(`chromium not found at ${CHROMIUM}: install Debian's chromium package ` +
    '(scripts/deps.sh baton_install_ui_deps does it)');
  process.exit(2);
}

const PIPE = 'watch';      // prepare -> slow -> finish
const SLEEPY = 'sleepy';   // one long step, to stop

function assert(cond, msg) {
  if (!cond) throw new Error(msg);
}

async function shot(page, name) {
  await page.screenshot({ path: path.join(ART, name + '.png'), fullPage: true });
}

// Opens a pipeline's page and starts a run through the Run dialog.
async function startRunFromUi(page, pipeline, { tenant, params } = {}) {
  await page.goto(`${args.base}/#/pipelines/${pipeline}`);
  await page.waitForSelector('svg.dag .dag-node');
  await page.click('#run-pipeline');
  const dlg = page.locator('dialog.run-dialog');
  await dlg.waitFor();
  const sel = dlg.locator('select[name=tenant]');
  await page.waitForFunction(() => !document.querySelector('dialog.run-dialog select[name=tenant]').disabled);
  if (tenant !== undefined) await sel.selectOption(tenant);
  for (const [k, v] of Object.entries(params || {})) {
    await dlg.locator(`input[data-param="${k}"]`).fill(v);
  }
  return dlg;
}

const scenarios = {
  // Start a run from the UI, watch the slow step go from running to
  // succeeded without a reload, open its log.
  async run_live(page) {
    await page.goto(`${args.base}/#/pipelines`);
    await page.waitForSelector(`tr[data-pipeline="${PIPE}"]`);
    await shot(page, 'pipelines');

    const dlg = await startRunFromUi(page, PIPE, { tenant: 'acme', params: { greeting: 'bonjour' } });
    assert(await dlg.locator('input[data-param="greeting"]').inputValue() === 'bonjour', 'param input not filled');
    await shot(page, 'run-dialog');
    await dlg.locator('button[type=submit]').click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    // Marks this document: a reload would lose the mark.
    await page.evaluate(() => { window.__batonNoReload = 'same-document'; });

    const slow = page.locator('tr.step-row[data-step="slow"]');
    await slow.and(page.locator('[data-status="running"]')).waitFor({ timeout: 20000 });
    await page.locator('.log-tab[data-step="slow"]').click();
    await page.waitForFunction(() => /tick 1/.test(document.querySelector('#log').textContent), null, { timeout: 10000 });
    await shot(page, 'run-running');

    await slow.and(page.locator('[data-status="succeeded"]')).waitFor({ timeout: 30000 });
    await page.locator('#run-status[data-status="succeeded"]').waitFor({ timeout: 20000 });
    assert(await page.evaluate(() => window.__batonNoReload) === 'same-document', 'the page was reloaded');

    // The log of the slow step, complete.
    await page.locator('tr.step-row[data-step="slow"]').click();
    await page.waitForFunction(() => /tick 6/.test(document.querySelector('#log').textContent), null, { timeout: 10000 });
    const log = await page.locator('#log').textContent();
    assert(/tick 1[\s\S]*tick 6/.test(log), 'log of slow is incomplete: ' + log);
    // The params reached the run.
    await page.locator('.log-tab[data-step="prepare"]').click();
    await page.waitForFunction(() => /bonjour from prepare/.test(document.querySelector('#log').textContent), null, { timeout: 10000 });
    await page.locator('.log-tab[data-step="slow"]').click();
    await page.waitForFunction(() => /tick 6/.test(document.querySelector('#log').textContent), null, { timeout: 10000 });
    // Each finished step has a bar on the timeline.
    assert(await page.locator('tr.step-row .bar[data-status="succeeded"]').count() === 3, 'timeline bars missing');
    await shot(page, 'run-succeeded');

    // The runs page lists it, and filters by status.
    await page.goto(`${args.base}/#/runs?pipeline=${PIPE}&status=succeeded`);
    await page.waitForSelector('table.runs-table tbody tr');
    await shot(page, 'runs');
    await page.goto(`${args.base}/#/runs?pipeline=${PIPE}&status=cancelled`);
    await page.waitForSelector('.state.empty');
  },

  // Start a long run and stop it with the Stop button.
  async stop_run(page) {
    const dlg = await startRunFromUi(page, SLEEPY, { tenant: '' });
    await dlg.locator('button[type=submit]').click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    await page.locator('tr.step-row[data-step="nap"][data-status="running"]').waitFor({ timeout: 20000 });
    await page.waitForFunction(() => /napping/.test(document.querySelector('#log').textContent), null, { timeout: 10000 });
    assert(await page.locator('#stop-run').isEnabled(), 'Stop is disabled on a running run');
    await page.click('#stop-run');
    await page.locator('#run-status[data-status="cancelled"]').waitFor({ timeout: 20000 });
    await page.locator('tr.step-row[data-step="nap"][data-status="cancelled"]').waitFor({ timeout: 10000 });
    assert(!(await page.locator('#stop-run').isEnabled()), 'Stop still enabled after the run ended');
    assert(await page.locator('#retry-run').isEnabled(), 'Retry failed is disabled on a cancelled run');
    await shot(page, 'run-stopped');
  },

  // Toggle a step's tested flag; it survives a reload.
  async toggle_tested(page) {
    const url = `${args.base}/#/pipelines/${PIPE}`;
    await page.goto(url);
    const toggle = page.locator('.step-card[data-step="slow"] input[data-testid="tested-toggle"]');
    await toggle.waitFor({ state: 'attached' });
    const before = await toggle.isChecked();
    await toggle.setChecked(!before, { force: true });
    await page.waitForFunction((want) => {
      const el = document.querySelector('.step-card[data-step="slow"] .tested-by');
      return el && (want ? /^tested/.test(el.textContent) : /not tested/.test(el.textContent));
    }, !before);
    await page.waitForSelector(`svg.dag .dag-node${!before ? '.tested' : ':not(.tested)'}[data-step="slow"]`);
    await shot(page, 'pipeline-tested');
    await page.reload();
    await toggle.waitFor({ state: 'attached' });
    assert(await toggle.isChecked() === !before, 'tested flag did not persist');
    await toggle.setChecked(before, { force: true });
    await page.waitForFunction((want) => {
      const el = document.querySelector('.step-card[data-step="slow"] .tested-by');
      return el && (want ? /^tested/.test(el.textContent) : /not tested/.test(el.textContent));
    }, before);
    await page.reload();
    await toggle.waitFor({ state: 'attached' });
    assert(await toggle.isChecked() === before, 'tested flag did not go back');
  },

  // Run one step alone from the pipeline page.
  async run_step(page) {
    await page.goto(`${args.base}/#/pipelines/${PIPE}`);
    await page.locator('.step-card[data-step="finish"] [data-testid="run-step"]').click();
    const dlg = page.locator('dialog.run-dialog');
    await dlg.waitFor();
    await page.waitForFunction(() => !document.querySelector('dialog.run-dialog select[name=tenant]').disabled);
    await dlg.locator('button[type=submit]').click();
    await page.waitForURL(/#\/runs\/[^/]+$/);
    await page.locator('#run-status[data-status="succeeded"]').waitFor({ timeout: 20000 });
    await page.locator('tr.step-row[data-step="finish"][data-status="succeeded"]').waitFor();
  },

  // The Schedules page lists the scheduled pipeline with its next fire
  // times, which match the API's.
  async schedules(page) {
    await page.goto(`${args.base}/#/pipelines`);
    await page.click('nav.mainnav a[data-nav="schedules"]');
    const row = page.locator('tr[data-schedule="nightly"]');
    await row.waitFor();
    const text = await row.textContent();
    assert(/every day at 03:00/.test(text), 'no description in: ' + text);
    assert(/Europe\/Paris/.test(text), 'no time zone in: ' + text);
    assert(/priority high/.test(text), 'no priority in: ' + text);
    const api = await page.evaluate(async () => (await (await fetch('/api/v1/schedules')).json()));
    const s = api.schedules.find((x) => x.id === 'nightly');
    assert(s && s.next.length === 5, 'the API lists no next times');
    const first = await row.locator('time.next-first').getAttribute('datetime');
    assert(first === s.next[0], `first fire time ${first} is not the API's ${s.next[0]}`);
    const shown = await row.locator('td.next-times time').count();
    assert(shown === 5, `${shown} fire times shown, not 5`);
    assert(await page.locator('nav.mainnav a[data-nav="schedules"].active').count() === 1,
      'the nav link is not marked active');
    await shot(page, 'schedules');
  },

  // The other pages render, secrets never show, errors are words.
  async pages(page) {
    await page.goto(`${args.base}/#/tenants`);
    await page.waitForSelector('tr[data-tenant="acme"]');
    const text = await page.content();
    assert(!text.includes('s3cr3t-value'), 'a credential value is on the tenants page');
    await shot(page, 'tenants');

    await page.goto(`${args.base}/#/pipelines/${PIPE}`);
    await page.waitForSelector('svg.dag');
    await shot(page, 'pipeline');

    await page.goto(`${args.base}/#/runs/no-such-run`);
    await page.waitForSelector('.state.error .error-message');
    const msg = (await page.locator('.state.error .error-message').textContent()).trim();
    assert(msg.length > 3 && !/^\{/.test(msg), 'error not shown in words: ' + msg);
    await shot(page, 'error');

    // A batch page when there is a run with a batch.
    const runs = await page.evaluate(async () => (await (await fetch('/api/v1/runs?limit=50')).json()).runs);
    const withBatch = runs.find((r) => r.batch);
    if (withBatch) {
      await page.goto(`${args.base}/#/batches/${encodeURIComponent(withBatch.batch)}`);
      await page.waitForSelector('.stats, .state.error');
      await shot(page, 'batch');
    }
  },
};

const names = args.scenario.length ? args.scenario : Object.keys(scenarios);
let passed = 0;
let failed = 0;
const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'baton-ui-'));
const ctx = await chromium.launchPersistentContext(profile, {
  executablePath: CHROMIUM,
  headless: true,
  args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync',
    '--disable-dev-shm-usage'],
  viewport: { width: 1366, height: 860 },
});
try {
  for (const name of names) {
    const fn = scenarios[name];
    if (!fn) { console.log(`not ok ${name}: no such scenario`); failed++; continue; }
    const page = await ctx.newPage();
    page.setDefaultTimeout(15000);
    const pageErrors = [];
    page.on('pageerror', (e) => pageErrors.push(e.message));
    const t0 = Date.now();
    try {
      await fn(page);
      assert(!pageErrors.length, 'uncaught errors in the page: ' + pageErrors.join('; '));
      console.log(`ok ${name} (${Date.now() - t0} ms)`);
      passed++;
    } catch (e) {
      failed++;
      console.log(`not ok ${name}: ${e.message.split('\n')[0]}`);
      await page.screenshot({ path: path.join(ART, `FAILED-${name}.png`), fullPage: true }).catch(() => {});
    }
    await page.close();
  }
} finally {
  await ctx.close();
  fs.rmSync(profile, { recursive: true, force: true });
}
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
