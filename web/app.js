// app.js - the baton web UI: hash routing between the pages.
//
//   #/pipelines            pipelines and their last status per tenant
//   #/pipelines/ID         one pipeline: DAG, steps, tested flags, Run
//   #/runs?pipeline=&tenant=&status=&batch=   runs, filtered
//   #/runs/ID              one run, live
//   #/batches/ID           one batch: per-tenant summary
//   #/tenants              tenants (never their credentials)
//   #/schedules            schedules and their next fire times

import { askToken, getToken, setToken } from './api.js';
import { clear, errorBox } from './ui.js';
import * as pipelines from './pages/pipelines.js';
import * as pipeline from './pages/pipeline.js';
import * as runs from './pages/runs.js';
import * as run from './pages/run.js';
import * as batch from './pages/batch.js';
import * as tenants from './pages/tenants.js';
import * as schedules from './pages/schedules.js';

const routes = [
  { re: /^\/pipelines\/?$/, page: pipelines, nav: 'pipelines', title: 'Pipelines' },
  { re: /^\/pipelines\/([^/]+)$/, page: pipeline, nav: 'pipelines', title: 'Pipeline' },
  { re: /^\/runs\/?$/, page: runs, nav: 'runs', title: 'Runs' },
  { re: /^\/runs\/([^/]+)$/, page: run, nav: 'runs', title: 'Run' },
  { re: /^\/batches\/([^/]+)$/, page: batch, nav: 'runs', title: 'Batch' },
  { re: /^\/tenants\/?$/, page: tenants, nav: 'tenants', title: 'Tenants' },
  { re: /^\/schedules\/?$/, page: schedules, nav: 'schedules', title: 'Schedules' },
];

let cleanup = null;
let generation = 0;

export function parseHash() {
  const raw = location.hash.replace(/^#/, '') || '/pipelines';
  const q = raw.indexOf('?');
  const path = q < 0 ? raw : raw.slice(0, q);
  const query = new URLSearchParams(q < 0 ? '' : raw.slice(q + 1));
  return { path, query };
}

async function route() {
  const { path, query } = parseHash();
  if (typeof cleanup === 'function') {
    try { cleanup(); } catch (e) { console.error(e); }
  }
  cleanup = null;
  const gen = ++generation;
  const root = document.getElementById('app');
  clear(root);
  window.scrollTo(0, 0);
  const r = routes.find((x) => x.re.test(path));
  for (const a of document.querySelectorAll('[data-nav]')) {
    a.classList.toggle('active', !!r && a.dataset.nav === r.nav);
  }
  if (!r) {
    if (path === '/' || path === '') { location.replace('#/pipelines'); return; }
    root.appendChild(errorBox(new Error(`There is no page at #${path}.`)));
    document.title = 'Not found · baton';
    return;
  }
  const m = r.re.exec(path);
  const params = m.slice(1).map(decodeURIComponent);
  document.title = (params[0] ? params[0] + ' · ' : '') + r.title + ' · baton';
  try {
    const c = await r.page.render(root, params, query, () => gen !== generation);
    if (gen !== generation) { if (typeof c === 'function') c(); return; }
    cleanup = c;
  } catch (e) {
    if (gen !== generation) return;
    clear(root);
    root.appendChild(errorBox(e, route));
  }
}

function tokenButton() {
  const b = document.getElementById('token-button');
  const update = () => {
    b.textContent = getToken() ? 'API token ✓' : 'API token';
  };
  update();
  b.addEventListener('click', async () => {
    await askToken('Set the bearer token sent with every request.');
    update();
    route();
  });
  const dlg = document.getElementById('token-dialog');
  dlg.querySelector('[data-close]').addEventListener('click', () => dlg.close());
  window.addEventListener('storage', update);
  // Expose for debugging from the console.
  window.batonSetToken = (t) => { setToken(t); update(); };
}

async function health() {
  const el = document.getElementById('server-state');
  try {
    const res = await fetch('/healthz', { cache: 'no-store' });
    el.dataset.state = res.ok ? 'ok' : 'bad';
    el.textContent = res.ok ? 'server ok' : 'server unhealthy';
  } catch {
    el.dataset.state = 'bad';
    el.textContent = 'server unreachable';
  }
}

window.addEventListener('hashchange', route);
window.addEventListener('DOMContentLoaded', () => {
  tokenButton();
  route();
  health();
  setInterval(health, 15000);
});
