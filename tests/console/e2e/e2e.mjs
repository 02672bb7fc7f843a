#!/usr/bin/env node
// End-to-end tests of the operators' console (docs/CONSOLE.md) in a real browser against the real daemon:
// playwright-core (pinned by package-lock.json) drives Debian's chromium, headless. Started by the Catch2 test
// tests/integration/console_e2e_test.cc, which runs the daemon over TLS and makes the agency traffic when asked: this
// script writes "@@mezhved {json}" to stdout and reads one JSON line back on stdin.
//
//   node e2e.mjs --url https://127.0.0.1:PORT --out DIR --period 2026-Q4 --dead-letter ID --dead-letter-org ORG
//                [--chromium /usr/bin/chromium] [--duty-cert PEM --duty-key PEM]
//
// Before it starts the gateway holds: a dead letter of --dead-letter-org, one refusal (ACCESS_DENIED) and one request
// to ZAGS-BARNAUL answered by it. Screenshots of every page go to --out as NN-<page>.png. Plain node with node:assert:
// the first failed check ends the run (exit 1) with a screenshot of where it was.
import assert from 'node:assert/strict';
import fs from 'node:fs/promises';
import path from 'node:path';
import readline from 'node:readline';
import {parseArgs} from 'node:util';
import {chromium} from 'playwright-core';

const {values: args} = parseArgs({
  options: {
    'url': {type: 'string'},
    'out': {type: 'string'},
    'chromium': {type: 'string', default: '/usr/bin/chromium'},
    'period': {type: 'string'},
    'dead-letter': {type: 'string'},
    'dead-letter-org': {type: 'string'},
    'duty-cert': {type: 'string'},
    'duty-key': {type: 'string'},
  },
});
for (const required of ['url', 'out', 'period', 'dead-letter', 'dead-letter-org']) {
  if (!args[required]) {
    console.error(`usage: missing --${required}`);
    process.exit(2);
  }
}
const url = args.url.replace(/\/$/, '');
const ZAGS = 'ZAGS-BARNAUL';
const SENDER = 'SOCPROT-BARNAUL';
// From the test request (tests/support/envelopes.cc, ValidRequest): what masking hides.
const SURNAME = 'Иванова';
const SNILS = '112-233-445 95';
const TIMEOUT_MS = 10_000;

// ---- the conversation with the C++ side ----

const lines = readline.createInterface({input: process.stdin});
const received = [];
let waiting = null;
lines.on('line', (line) => {
  if (waiting) {
    const resolve = waiting;
    waiting = null;
    resolve(line);
  } else {
    received.push(line);
  }
});

async function ask(command) {
  process.stdout.write(`@@mezhved ${JSON.stringify(command)}\n`);
  const line = received.length > 0 ? received.shift() : await new Promise((resolve) => { waiting = resolve; });
  const reply = JSON.parse(line);
  if (!reply.ok) throw new Error(`the test could not ${JSON.stringify(command)}: ${reply.error}`);
  return reply;
}

// ---- helpers ----

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
const started = Date.now();
const log = (text) => console.log(`[${((Date.now() - started) / 1000).toFixed(1).padStart(5)} s] ${text}`);

// Polls the element's text until `expected` (a string, or a predicate) holds: the page updates itself.
async function waitForText(locator, expected, {timeout = TIMEOUT_MS} = {}) {
  const deadline = Date.now() + timeout;
  const wanted = typeof expected === 'function' ? expected.toString() : JSON.stringify(expected);
  let text;
  for (;;) {
    try {
      text = (await locator.textContent({timeout: Math.max(100, deadline - Date.now())}))?.trim();
    } catch (error) {
      if (Date.now() < deadline) continue;
      throw new Error(`waited ${timeout} ms for ${locator} to read ${wanted}: ${error.message.split('\n')[0]}`);
    }
    if (typeof expected === 'function' ? expected(text) : text === expected) return text;
    if (Date.now() >= deadline) {
      throw new Error(`waited ${timeout} ms for ${locator} to read ${wanted}; it reads ${JSON.stringify(text)}`);
    }
    await sleep(100);
  }
}

async function until(what, condition, {timeout = TIMEOUT_MS} = {}) {
  const deadline = Date.now() + timeout;
  while (!(await condition())) {
    if (Date.now() >= deadline) throw new Error(`waited ${timeout} ms for ${what}`);
    await sleep(100);
  }
}

// The data-testid values of the elements whose test id starts with `prefix`, in page order.
async function testIds(page, prefix) {
  const found = [];
  for (const element of await page.locator(`[data-testid^="${prefix}"]`).all()) {
    found.push(await element.getAttribute('data-testid'));
  }
  return found;
}

let shots = 0;
async function shot(page, name) {
  shots += 1;
  const file = path.join(args.out, `${String(shots).padStart(2, '0')}-${name}.png`);
  await page.screenshot({path: file, fullPage: true});
  log(`screenshot ${file}`);
}

// A status code of a request the page itself makes, with its cookie (and the CSRF token for changes).
async function fetchStatus(page, method, apiPath) {
  return page.evaluate(async ([method, apiPath]) => {
    const headers = {};
    if (method !== 'GET') {
      const session = await (await fetch('/api/v1/session', {credentials: 'same-origin'})).json();
      headers['X-CSRF-Token'] = session.csrf_token;
    }
    return (await fetch(apiPath, {method, headers, credentials: 'same-origin'})).status;
  }, [method, apiPath]);
}

async function apiJson(page, apiPath) {
  const response = await page.request.get(`${url}${apiPath}`);
  assert.equal(response.status(), 200, `GET ${apiPath}`);
  return response.json();
}

async function signIn(page, name, password = `${name}-night-shift`) {
  await page.getByTestId('login-form').waitFor();
  await page.getByTestId('login-name').fill(name);
  await page.getByTestId('login-password').fill(password);
  await page.getByTestId('login-submit').click();
}

async function signInAs(page, name, role) {
  await signIn(page, name);
  await waitForText(page.getByTestId('header-operator'), name);
  await waitForText(page.getByTestId('header-role'), role);
  log(`signed in as ${name}`);
}

async function signOut(page) {
  await page.getByTestId('header-sign-out').click();
  await page.getByTestId('login-form').waitFor();
  await waitForText(page.getByTestId('login-notice'), 'Вы вышли.');
  assert.equal(await fetchStatus(page, 'GET', '/api/v1/session'), 401, 'the session ended with the sign-out');
}

// RFC 4180, as the gateway writes it: CRLF lines, quoted fields with doubled quotes.
function parseCsv(text) {
  const rows = [];
  let row = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i += 1) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') { field += '"'; i += 1; } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') { row.push(field); field = ''; }
    else if (c === '\n') { row.push(field.replace(/\r$/, '')); rows.push(row); row = []; field = ''; }
    else field += c;
  }
  if (field || row.length) { row.push(field); rows.push(row); }
  const [header, ...body] = rows;
  return body.map((cells) => Object.fromEntries(header.map((name, index) => [name, cells[index]])));
}

const num = (value) => Number(value ?? 0);

// ---- the scenarios ----

async function run(browser) {
  await fs.mkdir(args.out, {recursive: true});
  log(`screenshots go to ${args.out}`);
  const context = await browser.newContext({ignoreHTTPSErrors: true, viewport: {width: 1440, height: 900}});
  context.setDefaultTimeout(TIMEOUT_MS);
  const page = await context.newPage();
  const problems = [];
  page.on('pageerror', (error) => {
    log(`page error: ${error.message}`);
    problems.push(`page error: ${error.message}`);
  });
  page.on('requestfailed', (request) => log(`request failed: ${request.url()} ${request.failure()?.errorText}`));
  page.on('console', (message) => {
    if (['error', 'warning'].includes(message.type())) log(`console ${message.type()}: ${message.text()}`);
    // A CSP violation is reported on the console; the failed fetches the scenarios make on purpose (401, 403) are not
    // problems.
    if (message.type() === 'error' && /Content.Security.Policy|Refused to/i.test(message.text())) {
      problems.push(`console: ${message.text()}`);
    }
  });
  current = page;

  // Sign-in: the form, a wrong password, then ivanova (operator).
  await page.goto(`${url}/`);
  await page.getByTestId('login-form').waitFor();
  await shot(page, 'sign-in');
  await signIn(page, 'ivanova', 'day-shift');
  await waitForText(page.getByTestId('login-error'), 'Неверное имя или пароль.');
  await signInAs(page, 'ivanova', 'оператор');
  const cookie = (await context.cookies()).find((candidate) => candidate.name === 'mezhved_session');
  assert.ok(cookie, 'the session cookie is set');
  assert.equal(cookie.httpOnly, true);
  assert.equal(cookie.secure, true);
  assert.equal(cookie.sameSite, 'Strict');
  assert.deepEqual(await testIds(page, 'nav-'),
    ['nav-overview', 'nav-queues', 'nav-dead-letters', 'nav-rejections', 'nav-overdue']);

  // The overview follows the queues without a reload while the test client sends and receives.
  await page.getByTestId('overview-table').waitFor();
  const pending = page.getByTestId(`overview-pending-${ZAGS}`);
  await waitForText(pending, '0');
  await waitForText(page.getByTestId(`overview-dead-letters-${args['dead-letter-org']}`), '1');
  await waitForText(page.getByTestId('overview-readiness'), 'Шлюз работает');
  await page.evaluate(() => { window.mezhvedE2eNotReloaded = true; });
  const sent = (await ask({command: 'send', count: 3})).ids;
  log(`sent ${sent.join(', ')}`);
  await waitForText(pending, '3');
  const acknowledged = (await ask({command: 'receive', max: 1, ack: true})).ids;
  assert.deepEqual(acknowledged, [sent[0]], 'ZAGS-BARNAUL received the oldest first');
  await waitForText(pending, '2');
  assert.equal(await page.evaluate(() => window.mezhvedE2eNotReloaded), true, 'the page was not reloaded');
  await waitForText(page.getByTestId('overview-total-dead-letters'), '1');
  await shot(page, 'overview');

  // A queue, filtered by the form, and a message in it, masked.
  await page.getByTestId(`overview-queue-link-${ZAGS}`).click();
  await page.getByTestId('queue-table').waitFor();
  await until('the queue to list the two unacknowledged requests, oldest first', async () =>
    JSON.stringify(await testIds(page, 'queue-row-')) ===
      JSON.stringify([`queue-row-${sent[1]}`, `queue-row-${sent[2]}`]));
  await page.getByTestId('queue-filter-order').selectOption('newest');
  await page.getByTestId('queue-filter-apply').click();
  await until('the newest-first order', async () =>
    JSON.stringify(await testIds(page, 'queue-row-')) ===
      JSON.stringify([`queue-row-${sent[2]}`, `queue-row-${sent[1]}`]));
  assert.match(page.url(), /order=newest/);
  await page.getByTestId('queue-filter-state').selectOption('MESSAGE_STATE_DELIVERED');
  await page.getByTestId('queue-filter-apply').click();
  await page.getByTestId('queue-empty').waitFor();
  await page.getByTestId('queue-filter-reset').click();
  await until('the reset filters', async () => (await testIds(page, 'queue-row-')).length === 2);
  await shot(page, 'queue');

  const message = sent[2];
  await page.getByTestId(`queue-link-${message}`).click();
  await page.getByTestId('message-history').waitFor();
  await waitForText(page.getByTestId('message-masked'), (text) => text.includes('скрыты'));
  await waitForText(page.getByTestId('message-sender'), SENDER);
  await waitForText(page.getByTestId('message-recipient'), ZAGS);
  assert.equal(await page.getByTestId('message-seal-verdict').getAttribute('data-verdict'), 'SEAL_VERDICT_VALID');
  await waitForText(page.getByTestId('message-history-actor-0'), SENDER);
  await waitForText(page.getByTestId('message-history-event-0'), (text) => !text.includes('причина'));
  await waitForText(page.getByTestId('message-field-request.payload'), '—');  // masked: no document, not an empty one
  const maskedName = await page.getByTestId('message-field-request.citizen.last_name').textContent();
  assert.ok(maskedName && !maskedName.includes(SURNAME), `the surname is masked: ${maskedName}`);
  const maskedText = await page.locator('body').innerText();
  assert.ok(!maskedText.includes(SURNAME) && !maskedText.includes(SNILS), 'no personal data on the masked page');
  assert.equal(await page.getByTestId('message-reveal').count(), 0, 'an operator has no reveal button');
  await shot(page, 'message-masked');

  // A dead letter back into its queue, after the confirmation (cancelled once).
  const dead = args['dead-letter'];
  const deadOrg = args['dead-letter-org'];
  await page.getByTestId('nav-dead-letters').click();
  await page.getByTestId(`dead-letters-org-${deadOrg}`).click();
  await page.getByTestId(`dead-letters-row-${dead}`).waitFor();
  await shot(page, 'dead-letters');
  await page.getByTestId(`dead-letters-select-${dead}`).check();
  await page.getByTestId('dead-letters-requeue').click();
  await waitForText(page.getByTestId('confirm-dialog-text'), (text) => text.includes(`1 сообщение организации ${deadOrg}`));
  await page.getByTestId('confirm-dialog-cancel').click();
  await page.getByTestId('confirm-dialog').waitFor({state: 'detached'});
  assert.equal(await page.getByTestId(`dead-letters-row-${dead}`).count(), 1, 'cancelled: still a dead letter');
  await page.getByTestId('dead-letters-requeue').click();
  await page.getByTestId('confirm-dialog-ok').click();
  await waitForText(page.getByTestId(`dead-letters-result-${dead}`), (text) => text.endsWith('— возвращено'));
  await page.getByTestId('dead-letters-empty').waitFor();
  await page.getByTestId('dead-letters-none').waitFor();
  const deadQueue = (await apiJson(page, '/api/v1/overview')).queues.find((q) => q.recipient_code === deadOrg);
  assert.equal(num(deadQueue.dead_letters), 0);
  assert.equal(num(deadQueue.pending), 1, 'the dead letter is pending in its queue again');

  // Refusals at the door and overdue requests.
  await page.getByTestId('nav-rejections').click();
  await waitForText(page.getByTestId('rejections-code-0'), (text) => text.startsWith('ACCESS_DENIED'));
  await waitForText(page.getByTestId('rejections-organisation-0'), SENDER);
  await shot(page, 'refusals');
  await page.getByTestId('nav-overdue').click();
  await page.locator('[data-testid="overdue-empty"], [data-testid="overdue-table"]').first().waitFor();
  await shot(page, 'overdue');

  // A wrong role is refused: the pages say so, and the API answers 403 to the page's own requests.
  assert.equal(await page.getByTestId('nav-audit').count(), 0);
  await page.goto(`${url}/#/audit`);
  await page.getByTestId('page-forbidden').waitFor();
  await shot(page, 'forbidden');
  assert.equal(await fetchStatus(page, 'GET', '/api/v1/audit'), 403);
  await page.goto(`${url}/#/reports?period=${args.period}`);
  await page.getByTestId('page-forbidden').waitFor();
  assert.equal(await fetchStatus(page, 'GET', `/api/v1/report?period=${args.period}`), 403);
  assert.equal(await fetchStatus(page, 'POST', `/api/v1/messages/${message}/reveal`), 403);
  await page.goto(`${url}/#/overview`);
  await signOut(page);

  // petrov (supervisor) reveals the message's personal data after the confirmation; the history records it.
  await signInAs(page, 'petrov', 'руководитель');
  await page.goto(`${url}/#/messages/${message}`);
  await page.getByTestId('message-reveal').click();
  await waitForText(page.getByTestId('confirm-dialog-text'), (text) => text.includes('журнал действий'));
  await page.getByTestId('confirm-dialog-ok').click();
  await waitForText(page.getByTestId('message-masked'), (text) => text.includes('показаны'));
  await waitForText(page.getByTestId('message-field-request.citizen.last_name'), SURNAME);
  await waitForText(page.getByTestId('message-field-request.citizen.snils'), SNILS);
  await until('the reveal in the history', async () => {
    for (const id of await testIds(page, 'message-history-actor-')) {
      if ((await page.getByTestId(id).textContent()) === 'operator:petrov') return true;
    }
    return false;
  });
  assert.equal(await page.getByTestId('message-reveal').count(), 0);
  await shot(page, 'message-revealed');

  // petrov's report: the table, and the CSV download with the API's figures.
  await page.getByTestId('nav-reports').click();
  const [year, quarter] = args.period.split('-Q');
  await page.getByTestId('reports-period-kind').selectOption('quarter');
  await page.getByTestId('reports-year').fill(year);
  await page.getByTestId('reports-quarter').selectOption(quarter);
  await page.getByTestId('reports-show').click();
  await page.getByTestId('reports-table').waitFor();
  await waitForText(page.getByTestId('reports-period'), `Период ${args.period}`);
  const report = (await apiJson(page, `/api/v1/report?period=${args.period}`)).report;
  const zagsFigures = report.organisations.find((row) => row.organisation_code === ZAGS);
  // One request answered before the browser started, three sent during the run and not answered.
  assert.equal(num(zagsFigures.requests_received), 4);
  assert.equal(num(zagsFigures.answered_on_time), 1);
  assert.equal(num(zagsFigures.open), 3);
  await waitForText(page.getByTestId(`reports-cell-${ZAGS}-requests_received`), '4');
  await waitForText(page.getByTestId(`reports-cell-${ZAGS}-answered_on_time`), '1');
  await waitForText(page.getByTestId('reports-cell-total-requests_received'), String(num(report.total.requests_received)));
  await shot(page, 'reports');
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByTestId('reports-download-csv').click(),
  ]);
  assert.equal(download.suggestedFilename(), `mezhved-report-${args.period}.csv`);
  const csvFile = path.join(args.out, download.suggestedFilename());
  await download.saveAs(csvFile);
  const csvRows = parseCsv(await fs.readFile(csvFile, 'utf8'));
  assert.equal(csvRows.length, report.organisations.length + report.agencies.length + 1);
  for (const csvRow of csvRows) {
    const json = csvRow.level === 'organisation'
      ? report.organisations.find((row) => row.organisation_code === csvRow.organisation_code)
      : csvRow.level === 'agency' ? report.agencies.find((row) => row.agency_code === csvRow.agency_code)
        : report.total;
    assert.ok(json, `the API's report has the row ${csvRow.level} ${csvRow.agency_code} ${csvRow.organisation_code}`);
    for (const field of ['requests_received', 'answered_on_time', 'answered_late', 'open', 'open_overdue',
      'answers_timed', 'referrals_received', 'social_support_requests_sent', 'social_support_citizens']) {
      assert.equal(num(csvRow[field]), num(json[field]), `${csvRow.organisation_code || csvRow.agency_code || 'total'} ${field}`);
    }
    const refusals = Object.entries(csvRow).filter(([name]) => name.startsWith('refused_'))
      .reduce((sum, [, value]) => sum + num(value), 0);
    assert.equal(refusals, (json.refusals ?? []).reduce((sum, refusal) => sum + num(refusal.count), 0));
    for (const field of ['median_answer_working_days', 'p90_answer_working_days']) {
      assert.equal(num(csvRow[field]), Math.round(num(json[field]) * 10) / 10, field);
    }
  }
  log(`the CSV download (${csvRows.length} rows) has the API's figures`);
  await signOut(page);

  // sidorova (auditor) sees the reveal and the requeue in the audit log.
  await signInAs(page, 'sidorova', 'аудитор');
  await page.getByTestId('nav-audit').click();
  await page.getByTestId('audit-table').waitFor();
  const actions = [];
  for (const id of await testIds(page, 'audit-row-')) {
    const index = id.slice('audit-row-'.length);
    actions.push({
      operator: (await page.getByTestId(`audit-operator-${index}`).textContent()).trim(),
      action: (await page.getByTestId(`audit-action-${index}`).textContent()).trim(),
      text: await page.getByTestId(id).innerText(),
    });
  }
  const reveal = actions.findIndex((entry) => entry.operator === 'petrov' &&
    entry.action === 'просмотр персональных данных' && entry.text.includes(message));
  const requeue = actions.findIndex((entry) => entry.operator === 'ivanova' &&
    entry.action === 'возврат в очередь' && entry.text.includes(dead));
  assert.ok(reveal >= 0, `the reveal is in the audit log: ${JSON.stringify(actions)}`);
  assert.ok(requeue > reveal, 'the requeue is there too, before it in time (the log is newest first)');
  assert.ok(!(await page.locator('body').innerText()).includes(SURNAME), 'no personal data in the audit log');
  await shot(page, 'audit');
  await page.goto(`${url}/#/messages/${message}`);
  await waitForText(page.getByTestId('message-masked'), (text) => text.includes('скрыты'));
  assert.equal(await page.getByTestId('message-reveal').count(), 0, 'an auditor has no reveal button');
  await page.goto(`${url}/#/overview`);
  await signOut(page);

  // admin: the participants and the agreements.
  await signInAs(page, 'admin', 'администратор');
  await page.getByTestId('nav-admin').click();
  await page.getByTestId(`admin-org-${ZAGS}`).waitFor();
  await page.getByTestId('admin-agreement-AGR-TEST-1').waitFor();
  await shot(page, 'admin');
  await signOut(page);
  assert.deepEqual(problems, [], 'no script errors and no Content-Security-Policy violations');
  await context.close();

  // An operator's client certificate signs in by itself: no form, no sign-out.
  if (args['duty-cert'] && args['duty-key']) {
    const certified = await browser.newContext({
      ignoreHTTPSErrors: true,
      viewport: {width: 1440, height: 900},
      clientCertificates: [{origin: url, certPath: args['duty-cert'], keyPath: args['duty-key']}],
    });
    const duty = await certified.newPage();
    current = duty;
    await duty.goto(`${url}/`);
    await waitForText(duty.getByTestId('header-operator'), 'duty');
    await duty.getByTestId('header-auth').waitFor();
    assert.equal(await duty.getByTestId('header-sign-out').count(), 0);
    assert.equal(await duty.getByTestId('login-form').count(), 0);
    await duty.getByTestId('overview-table').waitFor();
    log('signed in by the certificate of operator-duty');
    await certified.close();
  }
}

let current = null;
let browser = null;
let status = 0;
try {
  browser = await chromium.launch({executablePath: args.chromium, headless: true, args: ['--no-sandbox']});
  log(`chromium ${browser.version()}`);
  await run(browser);
  log('all console scenarios passed');
} catch (error) {
  status = 1;
  console.error(`FAILED: ${error.stack ?? error}`);
  if (current) {
    try {
      await current.screenshot({path: path.join(args.out, 'failure.png'), fullPage: true});
      console.error(`the page at the failure: ${path.join(args.out, 'failure.png')} (${current.url()})`);
    } catch {
      // the page is gone
    }
  }
} finally {
  await browser?.close().catch(() => {});
  lines.close();
}
process.exit(status);
