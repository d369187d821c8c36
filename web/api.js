// api.js - talks to baton's REST API v1 and its event stream.
//
// Every failure becomes an ApiError whose message is words a person can
// read: the server's {"error": {"code", "message"}} when it sent one, or a
// sentence saying what went wrong on the way.  A bearer token, when the
// server wants one, is asked for once and kept in localStorage.

const TOKEN_KEY = 'baton.token';

export class ApiError extends Error {
  constructor(message, { code = 'error', status = 0 } = {}) {
    super(message);
    this.code = code;
    this.status = status;
  }
}

export function getToken() {
  try { return localStorage.getItem(TOKEN_KEY) || ''; } catch { return ''; }
}

export function setToken(token) {
  try {
    if (token) localStorage.setItem(TOKEN_KEY, token);
    else localStorage.removeItem(TOKEN_KEY);
  } catch { /* private mode: the token lasts for this page only */ }
}

// Shows the token dialog; resolves to the token entered, or '' if the user
// gave up.  One dialog at a time: concurrent 401s share it.
let pendingAsk = null;
export function askToken(reason) {
  if (pendingAsk) return pendingAsk;
  pendingAsk = new Promise((resolve) => {
    const dlg = document.getElementById('token-dialog');
    if (!dlg || typeof dlg.showModal !== 'function') {
      resolve(window.prompt(reason || 'API token') || '');
      return;
    }
    const form = dlg.querySelector('form');
    const input = dlg.querySelector('input[name=token]');
    const why = dlg.querySelector('.token-reason');
    why.textContent = reason || 'This baton server needs an API token.';
    input.value = getToken();
    const done = (value) => {
      dlg.removeEventListener('close', onClose);
      form.removeEventListener('submit', onSubmit);
      if (dlg.open) dlg.close();
      resolve(value);
    };
    const onSubmit = (ev) => {
      ev.preventDefault();
      const t = input.value.trim();
      setToken(t);
      done(t);
    };
    const onClose = () => done('');
    form.addEventListener('submit', onSubmit);
    dlg.addEventListener('close', onClose);
    dlg.showModal();
    input.focus();
  }).finally(() => { pendingAsk = null; });
  return pendingAsk;
}

function headers(extra) {
  const h = Object.assign({ Accept: 'application/json' }, extra || {});
  const t = getToken();
  if (t) h.Authorization = 'Bearer ' + t;
  return h;
}

async function errorFrom(res) {
  let code = 'http_' + res.status;
  let message = '';
  try {
    const body = await res.text();
    try {
      const j = JSON.parse(body);
      if (j && j.error) {
        code = j.error.code || code;
        message = j.error.message || '';
      }
    } catch {
      message = body.trim().slice(0, 300);
    }
  } catch { /* body unreadable */ }
  if (!message) {
    message = {
      400: 'The server could not understand the request.',
      401: 'An API token is needed.',
      403: 'Your token is not allowed to do this.',
      404: 'Not found.',
      409: 'That conflicts with the current state.',
      413: 'The request is too large.',
      500: 'The server failed while answering.',
      503: 'The server is busy or shutting down.',
    }[res.status] || `The server answered ${res.status} ${res.statusText}.`;
  }
  return new ApiError(message, { code, status: res.status });
}

// Low-level fetch with the token, one retry after asking for a token on 401.
export async function rawFetch(path, opts = {}, retried = false) {
  let res;
  try {
    res = await fetch(path, Object.assign({}, opts, {
      headers: headers(opts.headers),
    }));
  } catch (e) {
    if (e && e.name === 'AbortError') throw e;
    throw new ApiError('Cannot reach the baton server. Is `baton serve` still running?',
      { code: 'network' });
  }
  if (res.status === 401 && !retried) {
    const err = await errorFrom(res);
    const t = await askToken(err.message + ' Enter an API token to continue.');
    if (t) return rawFetch(path, opts, true);
    throw err;
  }
  if (!res.ok) throw await errorFrom(res);
  return res;
}

export async function request(method, path, body) {
  const opts = { method };
  if (body !== undefined) {
    opts.body = JSON.stringify(body);
    opts.headers = { 'Content-Type': 'application/json' };
  }
  const res = await rawFetch(path, opts);
  if (res.status === 204) return null;
  const text = await res.text();
  if (!text) return null;
  try {
    return JSON.parse(text);
  } catch {
    throw new ApiError('The server sent an answer that is not JSON.', { code: 'bad_json' });
  }
}

const enc = encodeURIComponent;

function qs(params) {
  const parts = [];
  for (const [k, v] of Object.entries(params || {})) {
    if (v !== undefined && v !== null && v !== '') parts.push(enc(k) + '=' + enc(v));
  }
  return parts.length ? '?' + parts.join('&') : '';
}

export const api = {
  pipelines: () => request('GET', '/api/v1/pipelines'),
  pipeline: (id) => request('GET', `/api/v1/pipelines/${enc(id)}`),
  setTested: (id, step, tested) =>
    request('PUT', `/api/v1/pipelines/${enc(id)}/steps/${enc(step)}/tested`, { tested }),
  startRun: (body) => request('POST', '/api/v1/runs', body),
  runs: (filters) => request('GET', '/api/v1/runs' + qs(filters)),
  run: (id) => request('GET', `/api/v1/runs/${enc(id)}`),
  stopRun: (id) => request('POST', `/api/v1/runs/${enc(id)}/stop`),
  retryRun: (id) => request('POST', `/api/v1/runs/${enc(id)}/retry`),
  output: (id) => request('GET', `/api/v1/runs/${enc(id)}/output`),
  batch: (id) => request('GET', `/api/v1/batches/${enc(id)}`),
  tenants: () => request('GET', '/api/v1/tenants'),
  schedules: () => request('GET', '/api/v1/schedules'),
  jobs: () => request('GET', '/api/v1/jobs'),
};

// Reads a piece of a step's log from OFFSET.  Resolves to
// {text, offset (the next one), runStatus}.
export async function readLog(runId, step, offset, signal) {
  const res = await rawFetch(
    `/api/v1/runs/${enc(runId)}/steps/${enc(step)}/log` + qs({ offset }),
    { signal, headers: { Accept: 'text/plain' } });
  const buf = new Uint8Array(await res.arrayBuffer());
  const hdr = res.headers.get('X-Log-Offset');
  let next = hdr !== null && hdr !== '' ? Number(hdr) : NaN;
  if (!Number.isFinite(next)) next = offset + buf.length;
  return { bytes: buf, offset: next, runStatus: res.headers.get('X-Run-Status') || '' };
}

// A Server-Sent Events client over fetch, so that the bearer token can be
// sent (EventSource cannot send headers).  Reconnects with Last-Event-ID.
// onEvent({id, event, data}) gets data parsed as JSON when it is JSON.
// onState('open' | 'reconnecting' | 'error', message) tells the UI.
// Returns a function that closes the stream.
export function subscribe(filters, onEvent, onState = () => {}) {
  let closed = false;
  let lastId = '';
  let ctrl = null;
  let delay = 500;
  let timer = null;

  async function connect() {
    if (closed) return;
    ctrl = new AbortController();
    const h = { Accept: 'text/event-stream' };
    if (lastId) h['Last-Event-ID'] = lastId;
    let res;
    try {
      res = await rawFetch('/api/v1/events' + qs(filters), { signal: ctrl.signal, headers: h });
    } catch (e) {
      if (closed) return;
      onState('reconnecting', e.message || String(e));
      return retry();
    }
    onState('open');
    delay = 500;
    const reader = res.body.getReader();
    const dec = new TextDecoder();
    let buf = '';
    try {
      for (;;) {
        const { value, done } = await reader.read();
        if (done) break;
        buf += dec.decode(value, { stream: true });
        let idx;
        while ((idx = buf.search(/\r?\n\r?\n/)) >= 0) {
          const block = buf.slice(0, idx);
          buf = buf.slice(idx).replace(/^\r?\n\r?\n/, '');
          dispatch(block);
        }
      }
    } catch (e) {
      if (closed) return;
    }
    if (closed) return;
    onState('reconnecting', 'The live connection closed; reconnecting.');
    retry();
  }

  function dispatch(block) {
    let event = 'message';
    let id = null;
    const data = [];
    for (const line of block.split(/\r?\n/)) {
      if (!line || line.startsWith(':')) continue;
      const c = line.indexOf(':');
      const field = c < 0 ? line : line.slice(0, c);
      let value = c < 0 ? '' : line.slice(c + 1);
      if (value.startsWith(' ')) value = value.slice(1);
      if (field === 'event') event = value;
      else if (field === 'data') data.push(value);
      else if (field === 'id') id = value;
      else if (field === 'retry' && /^\d+$/.test(value)) delay = Number(value);
    }
    if (id !== null) lastId = id;
    if (!data.length) return;
    const text = data.join('\n');
    let parsed = text;
    try { parsed = JSON.parse(text); } catch { /* plain text */ }
    try { onEvent({ id, event, data: parsed }); } catch (e) { console.error(e); }
  }

  function retry() {
    if (closed) return;
    timer = setTimeout(connect, delay);
    delay = Math.min(delay * 2, 10000);
  }

  connect();
  return () => {
    closed = true;
    clearTimeout(timer);
    if (ctrl) ctrl.abort();
  };
}
