// pages/batch.js - one batch: its summary and one row per tenant's run.

import { api, subscribe } from '../api.js';
import {
  h, clear, badge, loading, empty, errorBox, pageHeader, runHref, pipelineHref,
  fmtDuration, shortId, debounce, liveDot, rerender,
} from '../ui.js';

export async function render(root, [id], _query, stale) {
  root.appendChild(loading('Loading batch…'));
  let data;
  try {
    data = await api.batch(id);
  } catch (e) {
    if (stale()) return;
    clear(root).appendChild(errorBox(e, rerender));
    return;
  }
  if (stale()) return;
  const live = liveDot();
  const view = h('div');
  clear(root).appendChild(view);

  function draw() {
    const b = data.batch || {};
    const sum = data.summary || {};
    const runs = data.runs || [];
    clear(view).append(
      pageHeader(h('span', 'Batch ', h('span.mono', shortId(b.id || id))), {
        crumbs: [h('a', { href: '#/runs' }, 'Runs'), ' / batch ', h('span.mono', b.id || id)],
        sub: [
          b.pipeline ? ['pipeline ', h('a', { href: pipelineHref(b.pipeline) }, b.pipeline)] : 'several pipelines',
          b.source ? ' · started by ' + b.source : null,
          b.job_id ? [' · job ', h('span.mono', b.job_id)] : null,
        ],
        actions: [live, badge(b.status),
          h('a.btn', { href: '#/runs?batch=' + encodeURIComponent(b.id || id) }, 'As a run list')],
      }),
      h('div.stats',
        stat('Runs', sum.total ?? runs.length),
        stat('Succeeded', h('span.text-succeeded', sum.success ?? 0)),
        stat('Failed', h('span.text-failed', sum.failed ?? 0)),
        stat('Skipped', sum.skipped ?? 0),
        stat('Steps', sum.total_steps ?? '—'),
        stat('Rows processed', sum.total_rows_processed ?? '—'),
        stat('Duration', sum.total_duration_seconds === undefined || sum.total_duration_seconds === null
          ? '—' : fmtDuration(sum.total_duration_seconds * 1000))),
      h('section.panel',
        h('div.panel-head', h('h2', 'Per tenant')),
        runs.length
          ? h('table.table.batch-table',
            h('thead', h('tr', h('th', 'Tenant'), h('th', 'Pipeline'), h('th', 'Status'),
              h('th.num', 'Duration'), h('th.num', 'Rows'), h('th', 'Error'), h('th', 'Run'))),
            h('tbody', runs.map((r) => h('tr', { 'data-tenant': r.tenant || '' },
              h('td', h('strong', r.tenant_name || r.tenant || '—'),
                r.tenant_name && r.tenant && r.tenant_name !== r.tenant ? h('div.muted.small.mono', r.tenant) : null),
              h('td', r.pipeline ? h('a', { href: pipelineHref(r.pipeline) }, r.pipeline) : '—'),
              h('td', badge(r.status)),
              h('td.num', r.duration_seconds === null || r.duration_seconds === undefined ? '—' : fmtDuration(r.duration_seconds * 1000)),
              h('td.num', r.rows_processed ?? '—'),
              h('td.error-cell', r.error ? h('span.error-text', { title: r.error }, r.error) : ''),
              h('td', r.run_id ? h('a.mono', { href: runHref(r.run_id) }, shortId(r.run_id)) : '—')))))
          : empty('No runs in this batch', 'Its tenants may all have been filtered out or skipped.')));
  }

  draw();
  const reload = debounce(async () => {
    try {
      data = await api.batch(id);
      if (!stale()) draw();
    } catch (e) {
      live.set('error', e.message);
    }
  }, 400);
  const close = subscribe({ batch: id }, (ev) => {
    const t = ev.data && ev.data.type;
    if (t === 'run.started' || t === 'run.finished') reload();
  }, live.set);
  return () => { close(); reload.cancel(); };
}

function stat(label, value) {
  return h('div.stat', h('div.stat-value', value), h('div.stat-label', label));
}
