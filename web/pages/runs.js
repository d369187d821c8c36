// pages/runs.js - the list of runs, filtered by pipeline, tenant, status
// and batch; the filters live in the address (#/runs?status=failed).

import { api, subscribe } from '../api.js';
import {
  h, clear, badge, loading, empty, errorBox, pageHeader, runHref, pipelineHref,
  batchHref, fmtTime, fmtDuration, timeTitle, shortId, debounce, liveDot,
  RUN_STATUSES,
} from '../ui.js';

const LIMIT = 100;

export async function render(root, _params, query, stale) {
  const filters = {
    pipeline: query.get('pipeline') || '',
    tenant: query.get('tenant') || '',
    status: query.get('status') || '',
    batch: query.get('batch') || '',
  };
  const live = liveDot();
  root.appendChild(pageHeader('Runs', {
    sub: 'Every run, newest first. Filters are kept in the address, so a filtered list can be bookmarked.',
    actions: [live],
  }));

  const pipeSel = h('select#filter-pipeline', { name: 'pipeline' }, h('option', { value: '' }, 'All pipelines'));
  const tenSel = h('select#filter-tenant', { name: 'tenant' }, h('option', { value: '' }, 'All tenants'));
  const statSel = h('select#filter-status', { name: 'status' }, h('option', { value: '' }, 'Any status'),
    RUN_STATUSES.map((s) => h('option', { value: s }, s)));
  const addOption = (sel, value) => {
    if (value && ![...sel.options].some((o) => o.value === value)) sel.appendChild(h('option', { value }, value));
  };
  addOption(pipeSel, filters.pipeline);
  addOption(tenSel, filters.tenant);
  pipeSel.value = filters.pipeline;
  tenSel.value = filters.tenant;
  statSel.value = filters.status;

  const apply = () => {
    const q = new URLSearchParams();
    if (pipeSel.value) q.set('pipeline', pipeSel.value);
    if (tenSel.value) q.set('tenant', tenSel.value);
    if (statSel.value) q.set('status', statSel.value);
    if (filters.batch) q.set('batch', filters.batch);
    const s = q.toString();
    location.hash = '#/runs' + (s ? '?' + s : '');
  };
  for (const sel of [pipeSel, tenSel, statSel]) sel.addEventListener('change', apply);
  const any = filters.pipeline || filters.tenant || filters.status || filters.batch;
  root.appendChild(h('form.filters', { onsubmit: (e) => { e.preventDefault(); apply(); } },
    h('label.field.inline', 'Pipeline', pipeSel),
    h('label.field.inline', 'Tenant', tenSel),
    h('label.field.inline', 'Status', statSel),
    filters.batch ? h('span.chip', 'batch ', h('a.mono', { href: batchHref(filters.batch) }, shortId(filters.batch))) : null,
    any ? h('a.btn.btn-ghost.btn-small', { href: '#/runs' }, 'Clear filters') : null));

  // Fill the pickers in the background.
  api.pipelines().then((d) => {
    for (const p of (d && d.pipelines) || []) addOption(pipeSel, p.id);
    pipeSel.value = filters.pipeline;
  }).catch(() => {});
  api.tenants().then((d) => {
    for (const t of (d && d.tenants) || []) addOption(tenSel, t.id);
    tenSel.value = filters.tenant;
  }).catch(() => {});

  const body = h('section.panel');
  root.appendChild(body);
  body.appendChild(loading('Loading runs…'));

  async function load() {
    let data;
    try {
      data = await api.runs(Object.assign({ limit: LIMIT }, filters));
    } catch (e) {
      if (stale()) return;
      clear(body).appendChild(errorBox(e, load));
      return;
    }
    if (stale()) return;
    clear(body);
    const runs = (data && data.runs) || [];
    if (!runs.length) {
      body.appendChild(any
        ? empty('No runs match these filters', 'Change or clear the filters above.')
        : empty('No runs yet', 'Start one from a pipeline\'s page with the Run button.'));
      return;
    }
    body.appendChild(h('table.table.runs-table',
      h('thead', h('tr', h('th', 'Run'), h('th', 'Pipeline'), h('th', 'Tenant'), h('th', 'Status'),
        h('th', 'Started'), h('th.num', 'Duration'), h('th', 'Error'))),
      h('tbody', runs.map((r) => h('tr', { 'data-run': r.id },
        h('td', h('a.mono', { href: runHref(r.id), title: r.id }, shortId(r.id)),
          r.batch ? h('div', h('a.muted.small.mono', { href: batchHref(r.batch), title: 'batch ' + r.batch }, 'batch ' + shortId(r.batch))) : null),
        h('td', h('a', { href: pipelineHref(r.pipeline) }, r.pipeline)),
        h('td', r.tenant || h('span.muted', '—')),
        h('td', badge(r.status)),
        h('td', { title: timeTitle(r.started_at) }, fmtTime(r.started_at)),
        h('td.num', fmtDuration(r.duration_ms)),
        h('td.error-cell', r.error ? h('span.error-text', { title: r.error }, r.error) : ''))))));
    if (runs.length >= LIMIT) {
      body.appendChild(h('p.muted.small.center', `Showing the newest ${LIMIT} runs; filter to see older ones.`));
    }
  }

  await load();
  const reload = debounce(load, 400);
  const sse = {};
  if (filters.pipeline) sse.pipeline = filters.pipeline;
  if (filters.batch) sse.batch = filters.batch;
  const close = subscribe(sse, (ev) => {
    const t = ev.data && ev.data.type;
    if (t === 'run.started' || t === 'run.finished' || t === 'step.started') reload();
  }, live.set);
  return () => { close(); reload.cancel(); };
}
