// The live view's script: plain browser JavaScript (no build step). Reads the receiver's
// snapshots from /api/stream (Server-Sent Events) and renders them; Chart.js draws the series.
/* global Chart */
'use strict';

const KINDS = [
  ['authn', '401 login failures', '#d9822b'],
  ['authz', '403 denied', '#b3261e'],
  ['rateLimit', '429 rate limited', '#7d5ba6'],
  ['bruteForce', 'brute force', '#1d2330'],
];
let latest;

function el(id) {
  return document.getElementById(id);
}

// The page's counters, each an element id and its label, by the `data-counters` list they go in.
const COUNTERS = {
  totals: [
    ['total-requests', 'requests'],
    ['total-server-errors', '5xx errors'],
    ['total-client-errors', '4xx'],
    ['total-exceptions', 'exceptions'],
    ...KINDS.map(([kind, label]) => [`total-${kind}`, label]),
    ['total-audit', 'audit events'],
  ],
  delivery: [
    ['self-switches', 'fail-overs'],
    ['self-failbacks', 'fail-backs'],
    ['self-retries', 'retries'],
  ],
};

/** Builds the repeated markup of the page: each counter list's entries, each table's header row and its empty body. */
function buildPage() {
  for (const dl of document.querySelectorAll('dl[data-counters]')) {
    for (const [id, label] of COUNTERS[dl.dataset.counters]) {
      const entry = document.createElement('div');
      const dt = document.createElement('dt');
      const dd = document.createElement('dd');
      dt.textContent = label;
      dd.id = id;
      dd.textContent = '0';
      entry.append(dt, dd);
      dl.appendChild(entry);
    }
  }
  for (const table of document.querySelectorAll('table[data-columns]')) {
    const tr = document.createElement('tr');
    for (const name of table.dataset.columns.split(',')) {
      const th = document.createElement('th');
      th.textContent = name;
      tr.appendChild(th);
    }
    const thead = document.createElement('thead');
    const tbody = document.createElement('tbody');
    thead.appendChild(tr);
    tbody.id = table.dataset.body;
    table.append(thead, tbody);
  }
}
buildPage();

function cell(row, text, numeric) {
  const td = document.createElement('td');
  td.textContent = text;
  if (numeric) td.className = 'num';
  row.appendChild(td);
  return td;
}

function fillRows(id, rows, columns) {
  const body = el(id);
  body.replaceChildren(
    ...rows.map((r) => {
      const tr = document.createElement('tr');
      for (const [get, numeric] of columns) cell(tr, get(r), numeric);
      return tr;
    }),
  );
}

const ms = (v) => (v === null ? '–' : v.toFixed(v < 10 ? 2 : 1));

function lineChart(canvas, datasets, stacked) {
  return new Chart(canvas, {
    type: stacked ? 'bar' : 'line',
    data: { labels: [], datasets },
    options: {
      animation: false,
      maintainAspectRatio: false,
      elements: { point: { radius: 0 } },
      scales: {
        x: { stacked, ticks: { maxTicksLimit: 6 } },
        y: { stacked, beginAtZero: true, ticks: { precision: 0 } },
      },
      plugins: { legend: { position: 'bottom' } },
    },
  });
}

const traffic = lineChart(el('chart-traffic'), [
  { label: 'requests/s', data: [], borderColor: '#2b6cd9', backgroundColor: '#2b6cd933', fill: true },
  { label: '5xx/s', data: [], borderColor: '#b3261e', backgroundColor: '#b3261e33', fill: true },
]);
const security = lineChart(
  el('chart-security'),
  KINDS.map(([, label, color]) => ({ label, data: [], backgroundColor: color })),
  true,
);

function labels(window) {
  const out = [];
  for (let i = window.seconds - 1; i >= 0; i--) out.push(i === 0 ? 'now' : `-${i}s`);
  return out;
}

function renderCharts(s) {
  const l = labels(s.window);
  traffic.data.labels = l;
  traffic.data.datasets[0].data = s.series.requests;
  traffic.data.datasets[1].data = s.series.serverErrors;
  traffic.update('none');
  security.data.labels = l;
  KINDS.forEach(([kind], i) => (security.data.datasets[i].data = s.series.security[kind]));
  security.update('none');
}

function renderTotals(s) {
  el('total-requests').textContent = s.totals.requests;
  el('total-server-errors').textContent = s.totals.serverErrors;
  el('total-client-errors').textContent = s.totals.clientErrors;
  el('total-exceptions').textContent = s.totals.exceptions;
  el('total-audit').textContent = s.totals.audit;
  for (const [kind] of KINDS) el(`total-${kind}`).textContent = s.totals.security[kind];
}

function renderAudit() {
  if (!latest) return;
  const needle = el('audit-filter').value.trim().toLowerCase();
  const rows = needle
    ? latest.audit.filter((r) => Object.values(r).some((v) => String(v).toLowerCase().includes(needle)))
    : latest.audit;
  fillRows('audit-body', rows, [
    [(r) => r.time.replace('T', ' ').slice(0, 23)],
    [(r) => r.user],
    [(r) => r.tenant],
    [(r) => r.action],
    [(r) => r.resource],
    [(r) => r.outcome],
    [(r) => (r.status === null ? '' : r.status), true],
    [(r) => r.client],
  ]);
  el('audit-shown').textContent = `${rows.length} of ${latest.audit.length} shown`;
}

function renderConsumers(s) {
  for (const kind of ['users', 'apiKeys', 'tenants']) {
    el(`consumers-${kind}`).replaceChildren(
      ...s.consumers[kind].map((c) => {
        const li = document.createElement('li');
        li.textContent = `${c.key} — ${c.requests}`;
        li.dataset.key = c.key;
        li.dataset.requests = c.requests;
        return li;
      }),
    );
  }
}

function renderSelf(s) {
  fillRows('queues-body', s.self.queues, [
    [(q) => q.service],
    [(q) => q.signal],
    [(q) => q.records, true],
    [(q) => q.bytes, true],
    [(q) => q.oldestAgeSeconds.toFixed(1), true],
  ]);
  fillRows('endpoints-body', s.self.endpoints, [[(e) => e.service], [(e) => e.endpoint], [(e) => e.state]]);
  for (const row of el('endpoints-body').rows) row.cells[2].className = `state-${row.cells[2].textContent}`;
  el('self-switches').textContent = s.self.failovers.switch;
  el('self-failbacks').textContent = s.self.failovers.failback;
  el('self-retries').textContent = s.self.retries;
  const drops = s.self.dropped.map((d) => `${d.reason}: ${d.records}`);
  el('dropped-list').replaceChildren(
    ...(drops.length === 0 ? ['none'] : drops).map((text) => {
      const li = document.createElement('li');
      li.textContent = text;
      return li;
    }),
  );
}

function render(s) {
  latest = s;
  renderTotals(s);
  fillRows('routes-body', s.routes, [
    [(r) => r.route],
    [(r) => r.requests, true],
    [(r) => r.clientErrors, true],
    [(r) => r.serverErrors, true],
    [(r) => `${(r.errorRatio * 100).toFixed(1)} %`, true],
    [(r) => ms(r.p50Ms), true],
    [(r) => ms(r.p95Ms), true],
    [(r) => ms(r.p99Ms), true],
  ]);
  renderConsumers(s);
  renderAudit();
  renderSelf(s);
  renderCharts(s);
  el('status').textContent = `live · updated ${new Date(s.generatedAt).toLocaleTimeString()}`;
  document.body.dataset.snapshot = s.generatedAt;
}

el('audit-filter').addEventListener('input', renderAudit);
const stream = new EventSource('/api/stream');
stream.onmessage = (event) => render(JSON.parse(event.data));
stream.onerror = () => (el('status').textContent = 'disconnected · reconnecting…');
