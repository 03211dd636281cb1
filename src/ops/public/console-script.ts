/**
 * The console's browser script, served as GET /ops/console.js. Plain JavaScript held in a
 * string, so the TypeScript build ships it with no asset step; it must contain no backtick and
 * no dollar-brace (ops-console.spec.ts checks that it parses). It runs in the browser, not here.
 */
export const CONSOLE_SCRIPT = String.raw`'use strict';
// The operations console: every figure comes from the /admin/* API (and GET /transfers/{id})
// with the pasted bearer token; the page itself holds no data. No inline handlers or scripts:
// the Content-Security-Policy allows scripts from this origin only.
(() => {
  const TOKEN_KEY = 'ledgerline.ops.token';
  const THRESHOLD_KEY = 'ledgerline.ops.stuckAfterSeconds';
  const REFRESH_MS = 5000;

  const byId = (id) => document.getElementById(id);
  let timer = null;
  let queue = Promise.resolve();
  let selectedTransfer = null;

  const token = () => sessionStorage.getItem(TOKEN_KEY) || '';

  /** An element with attributes (false/null/undefined left out) and text or element children. */
  function h(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) {
      if (value === false || value === null || value === undefined) continue;
      node.setAttribute(name, value === true ? '' : String(value));
    }
    for (const child of children.flat()) {
      if (child === null || child === undefined) continue;
      node.append(child instanceof Node ? child : document.createTextNode(String(child)));
    }
    return node;
  }

  function table(headers, rows, empty) {
    if (rows.length === 0) return h('p', { class: 'empty' }, empty);
    return h(
      'table',
      {},
      h(
        'thead',
        {},
        h(
          'tr',
          {},
          headers.map((header) => h('th', {}, header)),
        ),
      ),
      h('tbody', {}, rows),
    );
  }

  function button(label, action, data, disabled) {
    const attributes = { type: 'button', 'data-action': action, disabled: Boolean(disabled) };
    for (const [key, value] of Object.entries(data)) attributes['data-' + key] = value;
    return h('button', attributes, label);
  }

  function age(ms) {
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 120000) return Math.round(ms / 1000) + ' s';
    if (ms < 7200000) return Math.round(ms / 60000) + ' min';
    return Math.round(ms / 3600000) + ' h';
  }

  const time = (iso) => new Date(iso).toLocaleString();
  const short = (id) => String(id).slice(0, 8);

  async function api(method, path) {
    const response = await fetch(path, {
      method,
      headers: { Authorization: 'Bearer ' + token(), Accept: 'application/json' },
      cache: 'no-store',
    });
    const text = await response.text();
    let body = null;
    try {
      body = text ? JSON.parse(text) : null;
    } catch {
      body = text;
    }
    if (response.status === 401) refused();
    return { ok: response.ok, status: response.status, body };
  }

  function problemText(result) {
    const body = result.body;
    if (body && typeof body === 'object' && body.code)
      return result.status + ' ' + body.code + (body.detail ? ': ' + body.detail : '');
    return 'HTTP ' + result.status;
  }

  function say(text, kind) {
    const line = byId('status');
    line.textContent = text;
    line.className = 'status ' + (kind || 'info');
  }

  function failed(containerId, result) {
    byId(containerId).replaceChildren(h('p', { class: 'error' }, problemText(result)));
  }

  // ---------------------------------------------------------------------------------------
  // Sections

  async function loadProjections() {
    const result = await api('GET', '/admin/projections');
    if (!result.ok) return failed('projections-body', result);
    const rows = result.body.items.map((p) =>
      h(
        'tr',
        { 'data-projection': p.name, class: 'status-' + p.status },
        h('td', {}, p.name),
        h('td', { class: 'state' }, p.status),
        h('td', { class: 'num' }, p.position),
        h('td', { class: 'num' }, p.headPosition),
        h('td', { class: 'num' }, p.lag.events + ' events, ' + age(p.lag.ms)),
        h('td', { class: 'error-text' }, p.lastError || ''),
        h(
          'td',
          { class: 'actions' },
          button('Retry', 'retry-projection', { name: p.name }, p.status !== 'parked'),
          button('Rebuild', 'rebuild-projection', { name: p.name }, p.status === 'rebuilding'),
        ),
      ),
    );
    byId('projections-body').replaceChildren(
      table(
        ['Projection', 'Status', 'Position', 'Head', 'Lag', 'Last error', ''],
        rows,
        'No projections.',
      ),
    );
  }

  async function loadOutbox() {
    const result = await api('GET', '/admin/outbox');
    if (!result.ok) {
      byId('outbox-summary').textContent = '';
      return failed('dead-letters-body', result);
    }
    const o = result.body;
    byId('outbox-summary').textContent =
      'Pending: ' +
      o.pending +
      (o.pending > 0 ? ' (oldest ' + age(o.oldestPendingAgeMs) + ')' : '') +
      ' · dead letters: ' +
      o.deadLettered +
      ' · broker: ' +
      o.broker +
      ' · relay here: ' +
      (o.relay.running ? 'running' : 'off');
    const rows = o.deadLetters.map((d) =>
      h(
        'tr',
        { 'data-dead-letter': d.id },
        h('td', { class: 'num' }, d.id),
        h('td', {}, d.type),
        h('td', {}, d.streamId),
        h('td', { class: 'num' }, d.attempts),
        h('td', { class: 'error-text' }, d.lastError || ''),
        h('td', {}, time(d.createdAt)),
        h('td', { class: 'actions' }, button('Retry', 'retry-dead-letter', { id: d.id })),
      ),
    );
    byId('dead-letters-body').replaceChildren(
      table(
        ['Id', 'Type', 'Stream', 'Attempts', 'Last error', 'Created', ''],
        rows,
        'No dead letters.',
      ),
    );
  }

  async function loadProcessCommands() {
    const result = await api('GET', '/admin/process-commands?status=pending,parked&limit=100');
    if (!result.ok) {
      byId('process-summary').textContent = '';
      return failed('commands-body', result);
    }
    const c = result.body;
    byId('process-summary').textContent = 'Pending: ' + c.pending + ' · parked: ' + c.parked;
    const rows = c.items.map((command) =>
      h(
        'tr',
        { 'data-command': command.id, class: 'status-' + command.status },
        h('td', { title: command.id }, short(command.id)),
        h('td', {}, command.manager),
        h('td', { title: command.processId }, short(command.processId)),
        // What it does (a transfer's step); the stored type on hover.
        h('td', { title: command.type }, command.label || command.type),
        h('td', { class: 'state' }, command.status),
        h('td', { class: 'num' }, command.attempts),
        h('td', { class: 'error-text' }, command.lastError || ''),
        h('td', {}, time(command.createdAt)),
        h('td', {}, time(command.updatedAt)),
        h(
          'td',
          { class: 'actions' },
          command.status === 'parked' ? button('Retry', 'retry-command', { id: command.id }) : null,
        ),
      ),
    );
    byId('commands-body').replaceChildren(
      table(
        [
          'Command',
          'Manager',
          'Process',
          'Type',
          'Status',
          'Attempts',
          'Last error',
          'Created',
          'Updated',
          '',
        ],
        rows,
        'Every command went through.',
      ),
    );
  }

  async function loadDeadlines() {
    const result = await api('GET', '/admin/process-deadlines?limit=50');
    if (!result.ok) return failed('deadlines-body', result);
    const now = Date.now();
    const rows = result.body.items.map((d) =>
      h(
        'tr',
        { 'data-deadline': d.processId + '/' + d.key, class: d.due ? 'status-due' : '' },
        h('td', {}, d.manager),
        h('td', { title: d.processId }, short(d.processId)),
        h('td', {}, d.key),
        h('td', {}, time(d.dueAt)),
        h(
          'td',
          { class: 'state' },
          d.due ? 'due' : 'in ' + age(Math.max(0, Date.parse(d.dueAt) - now)),
        ),
      ),
    );
    byId('deadlines-body').replaceChildren(
      table(['Manager', 'Process', 'Key', 'Due at', ''], rows, 'No deadline is waiting.'),
    );
  }

  function threshold() {
    const value = Number(byId('stuck-after').value);
    return Number.isInteger(value) && value >= 0 ? value : 60;
  }

  async function loadStuckTransfers() {
    const result = await api(
      'GET',
      '/admin/transfers/stuck?limit=100&olderThanSeconds=' + encodeURIComponent(threshold()),
    );
    if (!result.ok) return failed('stuck-body', result);
    const rows = result.body.items.map((t) =>
      h(
        'tr',
        { 'data-transfer': t.id },
        h('td', { title: t.id }, short(t.id)),
        h('td', { title: t.fromAccountId }, short(t.fromAccountId)),
        h('td', { title: t.toAccountId }, short(t.toAccountId)),
        h('td', { class: 'num' }, t.amount + ' ' + t.currency),
        h('td', {}, age(t.ageMs)),
        h('td', { class: 'state' }, t.phase || 'not started'),
        h('td', {}, t.parkedCommands + ' parked, ' + t.pendingCommands + ' pending'),
        h('td', { class: 'actions' }, button('Details', 'show-transfer', { id: t.id })),
      ),
    );
    byId('stuck-body').replaceChildren(
      table(
        ['Transfer', 'From', 'To', 'Amount (minor units)', 'Age', 'Process phase', 'Commands', ''],
        rows,
        'No transfer has been pending that long.',
      ),
    );
  }

  async function loadTransferDetails() {
    const panel = byId('transfer-details');
    if (!selectedTransfer) {
      panel.hidden = true;
      return;
    }
    const result = await api('GET', '/transfers/' + encodeURIComponent(selectedTransfer));
    panel.hidden = false;
    byId('transfer-details-title').textContent = 'Transfer ' + selectedTransfer;
    byId('transfer-details-body').textContent = result.ok
      ? JSON.stringify(result.body, null, 2)
      : problemText(result) +
        (result.status === 403
          ? '\nTransfer details need the auditor (or teller) role in the token as well.'
          : '');
  }

  // ---------------------------------------------------------------------------------------
  // Refreshing

  async function refreshNow() {
    if (!token()) return;
    const results = await Promise.allSettled([
      loadProjections(),
      loadOutbox(),
      loadProcessCommands(),
      loadDeadlines(),
      loadStuckTransfers(),
      loadTransferDetails(),
    ]);
    const broken = results.find((result) => result.status === 'rejected');
    if (broken) say('Refresh failed: ' + String(broken.reason), 'error');
    byId('refreshed').textContent = 'Updated ' + new Date().toLocaleTimeString();
  }

  /** Refreshes run one after another, so an older answer never paints over a newer one. */
  function refresh() {
    queue = queue.then(refreshNow, refreshNow);
    return queue;
  }

  function schedule() {
    clearTimeout(timer);
    timer = setTimeout(async () => {
      await refresh();
      if (token()) schedule();
    }, REFRESH_MS);
  }

  // ---------------------------------------------------------------------------------------
  // Actions

  const ACTIONS = {
    'retry-projection': (data) => ({
      path: '/admin/projections/' + encodeURIComponent(data.name) + '/retry',
      label: 'Retry of projection ' + data.name,
    }),
    'rebuild-projection': (data) => ({
      path: '/admin/projections/' + encodeURIComponent(data.name) + '/rebuild',
      label: 'Rebuild of projection ' + data.name,
      confirm:
        'Rebuild ' +
        data.name +
        ' from position 0? Reads keep using the current tables until it switches over.',
    }),
    'retry-dead-letter': (data) => ({
      path: '/admin/outbox/dead-letters/' + encodeURIComponent(data.id) + '/retry',
      label: 'Retry of dead letter ' + data.id,
    }),
    'retry-command': (data) => ({
      path: '/admin/process-commands/' + encodeURIComponent(data.id) + '/retry',
      label: 'Retry of process command ' + short(data.id),
    }),
  };

  async function onAction(event) {
    const target = event.target instanceof Element ? event.target : null;
    const control = target && target.closest('button[data-action]');
    if (!control || control.disabled) return;
    const action = control.dataset.action;
    if (action === 'show-transfer') {
      selectedTransfer = control.dataset.id;
      await refresh();
      return;
    }
    const plan = ACTIONS[action] && ACTIONS[action](control.dataset);
    if (!plan) return;
    if (plan.confirm && !window.confirm(plan.confirm)) return;
    control.disabled = true;
    say(plan.label + ': sending…', 'info');
    try {
      const result = await api('POST', plan.path);
      if (result.ok) say(plan.label + ': accepted (' + result.status + ')', 'ok');
      else say(plan.label + ': refused, ' + problemText(result), 'error');
    } catch (error) {
      say(plan.label + ': failed, ' + String(error), 'error');
    }
    await refresh();
  }

  // ---------------------------------------------------------------------------------------
  // The token

  /** The token's claims, decoded for display only (the server verifies it on every call). */
  function claims(jwt) {
    try {
      const part = jwt.split('.')[1].replace(/-/g, '+').replace(/_/g, '/');
      return JSON.parse(atob(part.padEnd(Math.ceil(part.length / 4) * 4, '=')));
    } catch {
      return null;
    }
  }

  function describeToken() {
    const c = claims(token());
    if (!c) return 'Token set (not a JWT this page can read).';
    const roles = Array.isArray(c.roles) ? ' · roles: ' + c.roles.join(', ') : '';
    const expires =
      typeof c.exp === 'number'
        ? (c.exp * 1000 < Date.now() ? ' · EXPIRED at ' : ' · expires ') +
          new Date(c.exp * 1000).toLocaleString()
        : '';
    return 'Signed in as ' + (c.sub || '?') + roles + expires;
  }

  function showConsole() {
    byId('sign-in').hidden = true;
    byId('console').hidden = false;
    byId('whoami').textContent = describeToken();
  }

  function showSignIn() {
    clearTimeout(timer);
    byId('sign-in').hidden = false;
    byId('console').hidden = true;
  }

  function refused() {
    sessionStorage.removeItem(TOKEN_KEY);
    if (byId('sign-in').hidden) {
      showSignIn();
      say(
        'The token was refused (expired, or not from this server’s issuer): paste a new one.',
        'error',
      );
    }
  }

  async function start() {
    showConsole();
    say('Loading…', 'info');
    await refresh();
    if (!token()) return;
    if (byId('status').textContent === 'Loading…') say('Up to date; refreshing every 5 s.', 'ok');
    schedule();
  }

  document.addEventListener('DOMContentLoaded', () => {
    const savedThreshold = sessionStorage.getItem(THRESHOLD_KEY);
    if (savedThreshold !== null) byId('stuck-after').value = savedThreshold;
    byId('token-form').addEventListener('submit', (event) => {
      event.preventDefault();
      const value = byId('token')
        .value.trim()
        .replace(/^Bearer\s+/i, '');
      if (!value) return say('Paste a token first.', 'error');
      sessionStorage.setItem(TOKEN_KEY, value);
      byId('token').value = '';
      void start();
    });
    byId('sign-out').addEventListener('click', () => {
      sessionStorage.removeItem(TOKEN_KEY);
      selectedTransfer = null;
      showSignIn();
      say('Token forgotten.', 'info');
    });
    byId('stuck-after').addEventListener('change', () => {
      sessionStorage.setItem(THRESHOLD_KEY, String(threshold()));
      void refresh();
    });
    byId('close-details').addEventListener('click', () => {
      selectedTransfer = null;
      byId('transfer-details').hidden = true;
    });
    byId('console').addEventListener('click', (event) => void onAction(event));
    if (token()) void start();
    else showSignIn();
  });
})();
`;
