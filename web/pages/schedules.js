// pages/schedules.js - every pipeline and batch job schedule the server's
// scheduler fires, with its next fire times, last fire and lag.

import { api, subscribe } from '../api.js';
import {
  h, clear, loading, empty, errorBox, pageHeader, pipelineHref, batchHref,
  fmtTime, timeTitle, fmtDuration, debounce, liveDot, shortId,
} from '../ui.js';

const STATE_WORDS = {
  active: 'firing',
  standby: 'standing by: another scheduler holds the store',
  starting: 'starting',
  stopped: 'stopped',
  off: 'off (baton serve --no-scheduler)',
};

// A time in the browser's zone, with UTC in the tooltip.
function when(t, cls) {
  return h('time' + (cls || ''), { datetime: t, title: timeTitle(t) }, fmtTime(t));
}

// A fire time in the schedule's own zone ("2026-03-02 03:00 CET"), as its
// description says it; UTC and the browser's time in the tooltip.
function zoned(t, tz, cls) {
  const d = new Date(t);
  let text;
  try {
    const f = new Intl.DateTimeFormat('en-CA', {
      timeZone: tz, year: 'numeric', month: '2-digit', day: '2-digit',
      hour: '2-digit', minute: '2-digit', hourCycle: 'h23', timeZoneName: 'short',
    });
    const p = Object.fromEntries(f.formatToParts(d).map((x) => [x.type, x.value]));
    text = `${p.year}-${p.month}-${p.day} ${p.hour}:${p.minute} ${p.timeZoneName}`;
  } catch {
    return when(t, cls); // a zone the browser does not know
  }
  return h('time' + (cls || ''), {
    datetime: t, title: `${timeTitle(t)} · your time ${fmtTime(t)}`,
  }, text);
}

function lag(ms) {
  if (ms === null || ms === undefined) return h('span.muted', '—');
  return h('span', { class: ms > 1000 ? 'lag-late' : null }, fmtDuration(ms));
}

export async function render(root, _params, _query, stale) {
  const live = liveDot();
  root.appendChild(pageHeader('Schedules', {
    sub: 'Pipelines and batch jobs that run by themselves, with their next fire times.',
    actions: [live],
  }));
  const status = h('p.muted.small.scheduler-state');
  const body = h('section.panel');
  root.appendChild(status);
  root.appendChild(body);
  body.appendChild(loading('Loading schedules…'));

  async function load() {
    let data;
    try {
      data = await api.schedules();
    } catch (e) {
      if (stale()) return;
      clear(body).appendChild(errorBox(e, load));
      return;
    }
    if (stale()) return;
    const sch = (data && data.scheduler) || {};
    clear(status).appendChild(h('span',
      'Scheduler: ', h('strong', { 'data-state': sch.state || '' }, STATE_WORDS[sch.state] || sch.state || '—'),
      sch.max_runs ? ` · at most ${sch.max_runs} runs at once, highest priority first` : null,
      sch.now ? [' · scheduler clock: ', when(sch.now)] : null));
    clear(body);
    const list = (data && data.schedules) || [];
    if (!list.length) {
      body.appendChild(empty('No schedules',
        'Add `schedule:` to a pipeline, or a schedule to a batch job (see docs/schedules.md).'));
      return;
    }
    body.appendChild(h('table.table.schedules-table',
      h('thead', h('tr',
        h('th', 'Schedule'), h('th', 'Next fire times'), h('th', 'Last fire'),
        h('th', 'Lag'), h('th', 'Policy'), h('th', 'Tenants'))),
      h('tbody', list.map(row))));
  }

  function row(s) {
    const next = s.next || [];
    const target = s.pipeline ? h('a.small', { href: pipelineHref(s.pipeline) }, s.pipeline) : null;
    return h('tr', {
      'data-schedule': s.id, 'data-kind': s.kind,
      class: s.problem ? 'invalid' : null,
    },
    h('td',
      h('strong.mono', s.id), h('span.tag', s.kind),
      h('div.small', s.expr),
      h('div.muted.small', s.job ? ['job ', h('span.mono', s.job), ' → '] : 'runs ', target),
      s.problem ? h('div.error-line.small', s.problem) : null),
    h('td.next-times',
      next.length ? zoned(next[0], s.timezone, '.next-first') : h('span.muted', 'never again'),
      next.length > 1
        ? h('div.muted.small', next.slice(1).map((t, i) => [i ? ', ' : '', zoned(t, s.timezone)]))
        : null),
    h('td',
      s.last_fire_at ? when(s.last_fire_at) : h('span.muted', 'never'),
      s.last_batch ? h('div.small', h('a.mono', { href: batchHref(s.last_batch) }, shortId(s.last_batch))) : null,
      s.running ? h('div.small', `${s.running} running`) : null,
      s.queued ? h('div.small', `${s.queued} waiting`) : null),
    h('td', lag(s.last_lag_ms)),
    h('td.small.policy',
      h('div', 'priority ', h('strong', s.priority)),
      h('div.muted', `overlap: ${s.overlap}`),
      h('div.muted', `catch-up: ${s.catch_up}${s.catch_up === 'all' ? ' (max ' + s.catch_up_max + ')' : ''}`),
      s.skipped ? h('div.muted', `${s.skipped} skipped`) : null),
    h('td', (s.tenants || []).length
      ? h('div.chips', s.tenants.map((t) => h('span.tag.tag-light', t)))
      : h('span.muted', s.kind === 'pipeline' ? 'without a tenant' : '—')));
  }

  await load();
  const reload = debounce(load, 400);
  const close = subscribe({}, (ev) => {
    const t = ev.data && ev.data.type;
    if (t === 'run.started' || t === 'run.finished') reload();
  }, live.set);
  // Next fire times move on by themselves.
  const timer = setInterval(load, 30000);
  return () => { close(); reload.cancel(); clearInterval(timer); };
}
