// pages/run.js - one run, live: step states and attempts, a timeline of
// durations, the DAG coloured by state, a log tail that follows, Stop and
// Retry-failed.  Updates arrive over SSE (/api/v1/events?run=ID); each
// event is applied at once and then confirmed by re-reading the run.

import { api, subscribe, readLog } from '../api.js';
import { drawDag } from '../dag.js';
import {
  h, clear, badge, loading, empty, errorBox, pageHeader, runHref, pipelineHref,
  batchHref, fmtTime, fmtDuration, timeTitle, parseTime, shortId, debounce,
  liveDot, toast, ACTIVE, rerender,
} from '../ui.js';

const STEP_DONE = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);
const RETRYABLE = new Set(['failed', 'cancelled', 'interrupted']);
const LOG_CAP = 256 * 1024;

export async function render(root, [id], _query, stale) {
  root.appendChild(loading('Loading run…'));
  let run;
  try {
    run = await api.run(id);
  } catch (e) {
    if (stale()) return;
    clear(root).appendChild(errorBox(e, rerender));
    return;
  }
  if (stale()) return;
  clear(root);

  let pipeline = null; // for the DAG; optional
  let closed = false;
  let selected = null; // step whose log is shown
  let userPicked = false;
  let stepsTable = null;
  let stepsRows = new Map();
  let stepsAxis = null;

  // ---- layout -----------------------------------------------------------
  const live = liveDot();
  const stopBtn = h('button.btn.btn-danger#stop-run', { type: 'button', onclick: stop }, '■ Stop');
  const retryBtn = h('button.btn#retry-run', { type: 'button', onclick: retry }, '↻ Retry failed');
  const head = h('div');
  const stats = h('div.stats');
  const errLine = h('div');
  const stepsBody = h('div');
  const dagBox = h('div.dag-scroll');
  const dagPanel = h('section.panel', { hidden: true },
    h('div.panel-head', h('h2', 'Graph')), dagBox);
  const logTabs = h('div.log-tabs', { role: 'tablist' });
  const logPre = h('pre.log#log', { 'aria-live': 'off' });
  const followBox = h('input', { type: 'checkbox', checked: true });
  const logState = h('span.muted.small.log-state');
  const logPanel = h('section.panel.log-panel',
    h('div.panel-head', h('h2', 'Log'),
      h('div.log-tools', logState,
        h('label.small', followBox, ' Follow'))),
    logTabs, logPre);
  const outputPanel = h('section.panel', { hidden: true });

  root.append(head, stats, errLine,
    h('section.panel', h('div.panel-head', h('h2', 'Steps'),
      h('span.muted.small', 'Bars show when each step ran; click a step for its log.')), stepsBody),
    logPanel, dagPanel, outputPanel);

  // ---- rendering ----------------------------------------------------------
  const isActive = () => ACTIVE.has(run.status);

  function renderHead() {
    clear(head).appendChild(pageHeader(h('span', 'Run ', h('span.mono', shortId(run.id))), {
      crumbs: [h('a', { href: '#/runs' }, 'Runs'), ' / ', h('span.mono', run.id)],
      sub: [
        h('a', { href: pipelineHref(run.pipeline) }, run.pipeline),
        run.tenant ? [' · tenant ', h('strong', run.tenant)] : ' · no tenant',
        run.batch ? [' · ', h('a', { href: batchHref(run.batch) }, 'batch ' + shortId(run.batch))] : null,
      ],
      actions: [live, stopBtn, retryBtn],
    }));
    stopBtn.disabled = !isActive();
    retryBtn.disabled = !RETRYABLE.has(run.status);
    retryBtn.title = retryBtn.disabled ? 'Only a failed, cancelled or interrupted run can be retried' : 'Start a new run that re-runs the failed steps';
  }

  function runDuration() {
    if (run.duration_ms !== null && run.duration_ms !== undefined && !isActive()) return run.duration_ms;
    const st = parseTime(run.started_at);
    if (!st) return null;
    const end = parseTime(run.finished_at) || new Date();
    return Math.max(0, end - st);
  }

  function renderStats() {
    const steps = run.steps || [];
    const total = run.total_steps || steps.length;
    const done = steps.filter((s) => STEP_DONE.has(s.status)).length;
    const pct = total ? Math.round((done / total) * 100) : 0;
    clear(stats).append(...[
      stat('Status', h('span#run-status', { 'data-status': run.status }, badge(run.status))),
      stat('Progress', h('div',
        h('div', `${done} / ${total} steps`, runningNames(steps) ? h('span.muted.small', ' · ' + runningNames(steps)) : null),
        h('div.progress', h('div.progress-bar', { style: `width:${pct}%`, 'data-status': run.status })))),
      stat('Started', h('span', { title: timeTitle(run.started_at) }, fmtTime(run.started_at))),
      stat('Duration', h('span#run-duration', fmtDuration(runDuration()))),
      run.params && Object.keys(run.params).length
        ? stat('Params', h('div.params-list', Object.entries(run.params).map(([k, v]) =>
          h('div.small', h('span.mono', k), ' = ', h('span.mono', typeof v === 'string' ? v : JSON.stringify(v))))))
        : null].filter(Boolean));
    clear(errLine);
    if (run.error) errLine.appendChild(h('div.callout.callout-error', { role: 'alert' }, h('strong', 'Error: '), run.error));
  }

  function stepDuration(s) {
    if (s.duration_ms !== null && s.duration_ms !== undefined && !ACTIVE.has(s.status)) return s.duration_ms;
    const st = parseTime(s.started_at);
    if (!st) return s.duration_ms ?? null;
    if (ACTIVE.has(s.status)) return Math.max(0, Date.now() - st);
    return s.duration_ms ?? null;
  }

  function renderSteps() {
    const steps = run.steps || [];
    if (!steps.length) {
      stepsTable = null;
      clear(stepsBody).appendChild(empty(isActive() ? 'Waiting for the first step…' : 'This run has no steps.'));
      return;
    }
    // Timeline scale: from the run's start to its end (or now).
    const starts = steps.map((s) => parseTime(s.started_at)).filter(Boolean).map(Number);
    const t0 = Number(parseTime(run.started_at)) || (starts.length ? Math.min(...starts) : Date.now());
    let t1 = Number(parseTime(run.finished_at)) || Date.now();
    for (const s of steps) {
      const st = parseTime(s.started_at);
      const d = stepDuration(s);
      if (st && d !== null) t1 = Math.max(t1, Number(st) + Number(d));
    }
    const span = Math.max(1, t1 - t0);
    // Rows are kept (keyed by step) and their cells refreshed, so that a
    // click is never lost to a redraw.
    const key = steps.map((s) => s.name).join('\u0000');
    if (!stepsTable || stepsTable.dataset.key !== key) {
      stepsRows = new Map();
      stepsAxis = h('div.axis');
      stepsTable = h('table.table.steps-table', { 'data-key': key },
        h('thead', h('tr', h('th', 'Step'), h('th', 'Status'), h('th.num', 'Attempt'),
          h('th', 'Started'), h('th.num', 'Duration'), h('th.num', 'Exit'),
          h('th.timeline-head', stepsAxis))),
        h('tbody', steps.map((s) => {
          const tr = h('tr.step-row', {
            'data-step': s.name, tabindex: 0,
            onclick: () => select(s.name, true),
            onkeydown: (e) => { if (e.key === 'Enter') select(s.name, true); },
          });
          stepsRows.set(s.name, tr);
          return tr;
        })));
      clear(stepsBody).appendChild(stepsTable);
    }
    stepsAxis.replaceChildren(h('span', '0'), h('span', fmtDuration(span / 2)), h('span', fmtDuration(span)));
    for (const s of steps) {
      const tr = stepsRows.get(s.name);
      const st = parseTime(s.started_at);
      const d = stepDuration(s);
      let bar = null;
      if (st) {
        const left = Math.max(0, Math.min(100, ((Number(st) - t0) / span) * 100));
        const width = Math.max(0.6, Math.min(100 - left, ((d || 0) / span) * 100));
        bar = h('div.bar', { style: `left:${left}%;width:${width}%`, 'data-status': s.status,
          title: `${s.name}: ${fmtDuration(d)}` });
      }
      tr.dataset.status = s.status || '';
      tr.classList.toggle('selected', s.name === selected);
      tr.replaceChildren(
        h('td', h('span.step-name', s.name), s.reused ? h('span.tag.tag-light', 'reused') : null,
          s.error && s.error !== s.status ? h('div.step-error.small', { title: s.error }, s.error) : null),
        h('td.step-status', badge(s.status)),
        h('td.num.step-attempt', s.attempt ? String(s.attempt) : '—'),
        h('td', { title: timeTitle(s.started_at) }, fmtTime(s.started_at)),
        h('td.num.step-duration', fmtDuration(d)),
        h('td.num', s.exit_code === null || s.exit_code === undefined ? '—' : String(s.exit_code)),
        h('td.timeline', h('div.track', bar)));
    }
  }

  function renderDag() {
    if (!pipeline || !(pipeline.steps || []).length) return;
    const byName = new Map((run.steps || []).map((s) => [s.name, s]));
    dagPanel.hidden = false;
    clear(dagBox).appendChild(drawDag(pipeline.steps, {
      status: (n) => (byName.get(n) || {}).status || 'pending',
      sub: (st) => {
        const s = byName.get(st.name);
        if (!s) return 'not in this run';
        return s.status + (s.attempt > 1 ? ` · attempt ${s.attempt}` : '') +
          (!ACTIVE.has(s.status) && s.duration_ms !== null && s.duration_ms !== undefined ? ' · ' + fmtDuration(s.duration_ms) : '');
      },
      selected,
      onSelect: (n) => select(n, true),
    }));
  }

  function renderTabs() {
    const steps = run.steps || [];
    const key = steps.map((s) => s.name).join('\u0000');
    if (logTabs.dataset.key !== key) {
      logTabs.dataset.key = key;
      clear(logTabs);
      for (const s of steps) {
        logTabs.appendChild(h('button.log-tab', {
          type: 'button', role: 'tab', 'data-step': s.name, onclick: () => select(s.name, true),
        }, h('span.dot-status'), s.name));
      }
    }
    for (const b of logTabs.children) {
      const s = steps.find((x) => x.name === b.dataset.step) || {};
      b.setAttribute('aria-selected', b.dataset.step === selected ? 'true' : 'false');
      b.firstChild.dataset.status = s.status || '';
    }
  }

  function renderAll() {
    renderHead();
    renderStats();
    renderSteps();
    renderTabs();
    renderDag();
    if (!isActive()) {
      loadOutput();
      if (logKick && logState.textContent === 'following…') logKick();
    }
  }

  let outputLoaded = false;
  async function loadOutput() {
    if (outputLoaded) return;
    outputLoaded = true;
    try {
      const out = await api.output(run.id);
      if (closed) return;
      if (out === null || out === undefined) return;
      if (typeof out === 'object' && !Object.keys(out).length) return;
      if (typeof out === 'object' && Object.keys(out).length === 1 && 'output' in out &&
          (out.output === null || out.output === undefined)) return;
      outputPanel.hidden = false;
      clear(outputPanel).append(h('div.panel-head', h('h2', 'Output')),
        h('pre.output', JSON.stringify(out, null, 2)));
    } catch { /* no output is fine */ }
  }

  // ---- the log tail -------------------------------------------------------
  let logGen = 0;
  let logTimer = null;
  let logKick = null; // reads the log again now (when the run changes)
  function select(name, byUser) {
    if (byUser) userPicked = true;
    if (name === selected) return;
    selected = name;
    renderTabs();
    for (const tr of stepsRows.values()) tr.classList.toggle('selected', tr.dataset.step === name);
    renderDag();
    startLog();
  }

  function autoSelect() {
    const steps = run.steps || [];
    if (userPicked && selected) return;
    const pick = steps.find((s) => s.status === 'running' || s.status === 'retrying') ||
      steps.find((s) => s.status === 'failed') ||
      [...steps].reverse().find((s) => s.started_at) || steps[0];
    if (pick && pick.name !== selected) select(pick.name, false);
  }

  function startLog() {
    const gen = ++logGen;
    clearTimeout(logTimer);
    logPre.textContent = '';
    let offset = 0;
    const dec = new TextDecoder();
    let sawText = false;
    const step = selected;
    if (!step) return;
    logState.textContent = 'loading…';
    let busy = false;
    const tick = async () => {
      if (closed || gen !== logGen || busy) return;
      busy = true;
      try { await tickOnce(); } finally { busy = false; }
    };
    logKick = () => { if (!busy) { clearTimeout(logTimer); tick(); } };
    const tickOnce = async () => {
      let got;
      try {
        got = await readLog(run.id, step, offset);
      } catch (e) {
        if (closed || gen !== logGen) return;
        const s = (run.steps || []).find((x) => x.name === step);
        if (e.status === 404 && s && !s.started_at) {
          logState.textContent = 'waiting for the step to start…';
        } else if (e.status === 404) {
          logState.textContent = 'no log for this step';
        } else {
          logState.textContent = 'log unavailable: ' + e.message;
        }
        if (isActive()) logTimer = setTimeout(tick, 1500);
        return;
      }
      if (closed || gen !== logGen) return;
      offset = got.offset;
      if (got.bytes.length) {
        sawText = true;
        const atBottom = logPre.scrollTop + logPre.clientHeight >= logPre.scrollHeight - 8;
        let text = logPre.textContent + dec.decode(got.bytes, { stream: true });
        if (text.length > LOG_CAP) text = '…\n' + text.slice(text.length - LOG_CAP);
        logPre.textContent = text;
        if (followBox.checked || atBottom) logPre.scrollTop = logPre.scrollHeight;
      }
      const s = (run.steps || []).find((x) => x.name === step);
      const stepActive = s && (ACTIVE.has(s.status) || !s.started_at) && isActive();
      if (stepActive || got.bytes.length) {
        logState.textContent = stepActive ? 'following…' : '';
        logTimer = setTimeout(tick, got.bytes.length ? 300 : 1000);
      } else {
        logState.textContent = sawText ? `${offset} bytes` : '';
        if (!sawText) logPre.textContent = '';
        if (!sawText) logPre.appendChild(h('span.muted', '(this step wrote nothing)'));
        // A retry of the step may write more: keep an ear on the run.
        if (isActive()) logTimer = setTimeout(tick, 1500);
      }
    };
    tick();
  }

  // ---- actions ------------------------------------------------------------
  async function stop() {
    stopBtn.disabled = true;
    stopBtn.textContent = 'Stopping…';
    try {
      await api.stopRun(run.id);
      toast('Stop requested: running steps are being cancelled.', 'ok');
      refresh();
    } catch (e) {
      toast('Could not stop the run: ' + e.message, 'error');
      stopBtn.disabled = !isActive();
    } finally {
      stopBtn.textContent = '■ Stop';
    }
  }

  async function retry() {
    retryBtn.disabled = true;
    try {
      const res = await api.retryRun(run.id);
      toast(`Retry started as run ${shortId(res.run_id)}.`, 'ok');
      location.hash = runHref(res.run_id);
    } catch (e) {
      toast('Could not retry the run: ' + e.message, 'error');
      retryBtn.disabled = !RETRYABLE.has(run.status);
    }
  }

  // ---- live updates -------------------------------------------------------
  async function refreshNow() {
    try {
      const r = await api.run(id);
      if (closed) return;
      run = r;
      renderAll();
      autoSelect();
    } catch (e) {
      if (!closed) live.set('error', e.message);
    }
  }
  const refresh = debounce(refreshNow, 150);

  function applyEvent(ev) {
    const d = ev.data;
    if (!d || typeof d !== 'object' || (d.run_id && d.run_id !== run.id)) return;
    if (d.type && d.type.startsWith('step.') && d.step) {
      run.steps = run.steps || [];
      let s = run.steps.find((x) => x.name === d.step);
      if (!s) { s = { name: d.step }; run.steps.push(s); }
      if (d.status) s.status = d.status;
      if (d.attempt) s.attempt = d.attempt;
      if (d.type === 'step.started' && d.at && !s.started_at) s.started_at = d.at;
      if (d.error !== undefined && d.error !== null) s.error = d.error;
      if (d.type === 'step.started') run.current_step = d.step;
    } else if (d.type && d.type.startsWith('run.') && d.status) {
      run.status = d.status;
      if (d.error) run.error = d.error;
    }
    renderAll();
    autoSelect();
    refresh();
  }

  renderAll();
  autoSelect();
  const close = subscribe({ run: run.id }, applyEvent, (state, msg) => {
    live.set(state, msg);
    if (state === 'open') refresh(); // catch up with what happened before
  });
  // Running durations and bars grow between events.
  const ticker = setInterval(() => {
    if (!isActive()) return;
    const el = root.querySelector('#run-duration');
    if (el) el.textContent = fmtDuration(runDuration());
    renderSteps();
  }, 1000);
  // A safety net in case events are lost: re-read now and then while active.
  const poll = setInterval(() => { if (isActive()) refresh(); }, 10000);

  api.pipeline(run.pipeline).then((p) => {
    if (closed) return;
    pipeline = p;
    renderDag();
  }).catch(() => {});

  return () => {
    closed = true;
    close();
    clearInterval(ticker);
    clearInterval(poll);
    clearTimeout(logTimer);
    refresh.cancel();
  };
}

// The steps running now, by name (current_step may be a name or a count).
function runningNames(steps) {
  return steps.filter((s) => s.status === 'running' || s.status === 'retrying').map((s) => s.name).join(', ');
}

function stat(label, value) {
  return h('div.stat', h('div.stat-value', value), h('div.stat-label', label));
}
