// ui.js - small helpers shared by the pages: element building, status
// badges, times and durations, loading / empty / error states, toasts.

// h('div.card#main', {onclick: f, title: 'x'}, child, 'text', [more])
export function h(spec, attrs, ...children) {
  const m = /^([a-z0-9]+)?((?:[.#][\w-]+)*)$/i.exec(spec) || [];
  const el = document.createElement(m[1] || 'div');
  for (const part of (m[2] || '').match(/[.#][\w-]+/g) || []) {
    if (part[0] === '.') el.classList.add(part.slice(1));
    else el.id = part.slice(1);
  }
  if (attrs !== null && attrs !== undefined &&
      (typeof attrs !== 'object' || attrs instanceof Node || Array.isArray(attrs))) {
    children.unshift(attrs);
    attrs = null;
  }
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on') && typeof v === 'function') el.addEventListener(k.slice(2), v);
    else if (k === 'class') String(v).split(/\s+/).filter(Boolean).forEach((c) => el.classList.add(c));
    else if (k === 'dataset') Object.assign(el.dataset, v);
    else if (k === 'value') el.value = v;
    else if (k === 'checked') el.checked = !!v;
    else el.setAttribute(k, v === true ? '' : v);
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const c of children) {
    if (c === null || c === undefined || c === false) continue;
    if (Array.isArray(c)) append(el, c);
    else if (c instanceof Node) el.appendChild(c);
    else el.appendChild(document.createTextNode(String(c)));
  }
}

export function clear(el) {
  while (el.firstChild) el.removeChild(el.firstChild);
  return el;
}

const STATUS_WORDS = new Set(['queued', 'pending', 'running', 'retrying', 'succeeded',
  'failed', 'skipped', 'cancelled', 'interrupted', 'invalid', 'never']);

export function badge(status, extra) {
  const s = status || 'never';
  const cls = STATUS_WORDS.has(s) ? s : 'other';
  return h('span.badge.status-' + cls, { 'data-status': s, title: extra || null },
    s === 'never' ? 'never run' : s);
}

export const ACTIVE = new Set(['queued', 'pending', 'running', 'retrying']);
export const RUN_STATUSES = ['queued', 'running', 'succeeded', 'failed', 'cancelled', 'interrupted'];

// Accepts ISO strings, epoch seconds or epoch milliseconds.
export function parseTime(t) {
  if (t === null || t === undefined || t === '') return null;
  if (typeof t === 'number') return new Date(t < 1e12 ? t * 1000 : t);
  if (/^\d+(\.\d+)?$/.test(t)) return parseTime(Number(t));
  const d = new Date(t);
  return isNaN(d) ? null : d;
}

export function fmtTime(t) {
  const d = parseTime(t);
  if (!d) return '—';
  const now = new Date();
  const pad = (n) => String(n).padStart(2, '0');
  const hm = `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
  if (d.toDateString() === now.toDateString()) return hm;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${hm}`;
}

export function timeTitle(t) {
  const d = parseTime(t);
  return d ? d.toISOString() : null;
}

export function fmtDuration(ms) {
  if (ms === null || ms === undefined || ms === '' || isNaN(ms)) return '—';
  ms = Number(ms);
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const s = ms / 1000;
  if (s < 60) return `${s < 10 ? s.toFixed(1) : Math.round(s)} s`;
  const m = Math.floor(s / 60);
  const rs = Math.round(s % 60);
  if (m < 60) return `${m} min ${rs} s`;
  return `${Math.floor(m / 60)} h ${m % 60} min`;
}

export function loading(text = 'Loading…') {
  return h('div.state.loading', { role: 'status' }, h('span.spinner'), text);
}

export function empty(title, hint) {
  return h('div.state.empty', h('div.empty-title', title), hint ? h('p', hint) : null);
}

function errorTitle(err) {
  const st = err && err.status;
  if (st === 404) return 'Not found';
  if (st === 401 || st === 403) return 'Not allowed';
  if (err && err.code === 'network') return 'The server cannot be reached';
  if (st >= 500) return 'The server failed';
  return 'Something went wrong';
}

export function errorBox(err, retry) {
  const msg = err && err.message ? err.message : String(err);
  return h('div.state.error', { role: 'alert' },
    h('div.error-title', errorTitle(err)),
    h('p.error-message', msg),
    retry ? h('button.btn', { onclick: retry }, 'Try again') : null);
}

export function toast(message, kind = 'info') {
  const box = document.getElementById('toasts');
  if (!box) return;
  const t = h('div.toast.toast-' + kind, { role: kind === 'error' ? 'alert' : 'status' }, message);
  box.appendChild(t);
  setTimeout(() => t.classList.add('fade'), 4500);
  setTimeout(() => t.remove(), 5000);
}

export function link(href, ...children) {
  return h('a', { href }, ...children);
}

export const runHref = (id) => '#/runs/' + encodeURIComponent(id);
export const pipelineHref = (id) => '#/pipelines/' + encodeURIComponent(id);
export const batchHref = (id) => '#/batches/' + encodeURIComponent(id);

export function shortId(id) {
  if (!id) return '';
  const s = String(id);
  return s.length > 32 ? s.slice(0, 18) + '…' + s.slice(-10) : s;
}

// A trailing-edge debounce.
export function debounce(fn, ms) {
  let t = null;
  const d = (...a) => { clearTimeout(t); t = setTimeout(() => fn(...a), ms); };
  d.cancel = () => clearTimeout(t);
  return d;
}

// Live-connection indicator in the page header.
export function liveDot() {
  const el = h('span.live', { title: 'Live updates' }, h('span.dot'), h('span.live-text', 'connecting'));
  el.set = (state, msg) => {
    el.dataset.state = state;
    el.querySelector('.live-text').textContent =
      state === 'open' ? 'live' : state === 'reconnecting' ? 'reconnecting…' : state;
    el.title = msg || 'Live updates';
  };
  return el;
}

export function pageHeader(title, { sub, actions, crumbs } = {}) {
  return h('header.page-head',
    crumbs ? h('nav.crumbs', crumbs) : null,
    h('div.page-title-row',
      h('div',
        h('h1', title),
        sub ? h('div.sub', sub) : null),
      actions ? h('div.actions', actions) : null));
}

// Renders the current page again (the router listens to hashchange).
export function rerender() {
  window.dispatchEvent(new HashChangeEvent('hashchange'));
}
