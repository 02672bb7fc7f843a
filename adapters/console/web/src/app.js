// The operators' console of mezhvedd: session, header, navigation and hash routing. Each page is a module of
// pages/ with mount(root, context) that returns its clean-up (timers, charts) for when the operator leaves it.
//
// Stable test ids (data-testid) for the end-to-end tests; <code> is an organisation or agency code, <id> a message
// id, <i> a row's index on its page, <field> a ComplianceRow field name:
//
// shell      header, header-instance, header-who, header-operator, header-role, header-auth, header-sign-out,
//            nav, nav-overview, nav-queues, nav-dead-letters, nav-rejections, nav-overdue, nav-reports, nav-audit,
//            nav-admin, page, page-title, page-loading, page-error, page-forbidden, page-not-found
// dialog     confirm-dialog, confirm-dialog-text, confirm-dialog-ok, confirm-dialog-cancel
// sign-in    login-form, login-name, login-password, login-submit, login-error, login-notice, login-server-error
// overview   overview-readiness, overview-updated-at, overview-error, overview-empty, overview-total-pending,
//            overview-total-leased, overview-total-dead-letters, overview-total-due-soon, overview-total-overdue,
//            overview-table, overview-agency-<code>, overview-row-<code>, overview-queue-link-<code>,
//            overview-pending-<code>, overview-leased-<code>, overview-oldest-<code>, overview-dead-letters-<code>,
//            overview-due-soon-<code>, overview-overdue-<code>, overview-rates-chart, overview-rate-interval,
//            overview-rate-accepted, overview-rate-delivered, overview-rate-acknowledged, overview-rate-refused,
//            overview-rate-dead-lettered
// queues     queues-table, queues-link-<code>; queue-title, queue-filters, queue-filter-view, queue-filter-state,
//            queue-filter-type, queue-filter-from, queue-filter-to, queue-filter-order, queue-filter-apply,
//            queue-filter-reset, queue-table, queue-empty, queue-row-<id>, queue-link-<id>, queue-state-<id>,
//            queue-prev, queue-next, queue-page
// message    message-title, message-summary, message-kind, message-state, message-sender, message-recipient,
//            message-accepted-at, message-attempts, message-deadline, message-answer-due, message-deadline-status,
//            message-late-party, message-working-days-late, message-seal, message-seal-verdict (with data-verdict),
//            message-actions, message-masked, message-reveal, message-envelope, message-field-<path> (e.g.
//            message-field-request.citizen.last_name), message-payload, message-history, message-history-event-<i>,
//            message-history-state-<i>, message-history-actor-<i>
// dead       dead-letters-orgs, dead-letters-org-<code>, dead-letters-none, dead-letters-title, dead-letters-table,
//            dead-letters-empty, dead-letters-row-<id>, dead-letters-select-<id>, dead-letters-select-all,
//            dead-letters-requeue, dead-letters-results, dead-letters-result-<id>, dead-letters-prev,
//            dead-letters-next, dead-letters-page
// refusals   rejections-table, rejections-empty, rejections-row-<i>, rejections-code-<i>,
//            rejections-organisation-<i>, rejections-fields-<i>, rejections-prev, rejections-next, rejections-page
// overdue    overdue-table, overdue-empty, overdue-row-<id>, overdue-late-party-<id>, overdue-days-<id>,
//            overdue-link-<id>, overdue-prev, overdue-next, overdue-page
// reports    reports-form, reports-form-error, reports-period-kind, reports-year, reports-quarter, reports-half,
//            reports-from, reports-to, reports-show, reports-period, reports-period-info, reports-complete,
//            reports-table, reports-row-<code>, reports-row-total, reports-cell-<code>-<field> (and
//            reports-cell-total-<field>; fields: requests_received, answered_on_time, answered_late, on_time_share,
//            open, open_overdue, refusals, median_answer_working_days, p90_answer_working_days, referrals_received,
//            social_support_requests_sent, social_support_citizens), reports-chart, reports-download-csv,
//            reports-download-json
// audit      audit-table, audit-empty, audit-row-<i>, audit-action-<i>, audit-operator-<i>, audit-prev, audit-next,
//            audit-page
// admin      admin-participants, admin-agency-<code>, admin-org-<code>, admin-agreements, admin-agreement-<id>
import * as api from './api.js';
import {h, replace, errorBox} from './dom.js';
import {label} from './format.js';
import * as login from './pages/login.js';
import * as overview from './pages/overview.js';
import * as queue from './pages/queue.js';
import * as message from './pages/message.js';
import * as deadLetters from './pages/dead-letters.js';
import * as rejections from './pages/rejections.js';
import * as overdue from './pages/overdue.js';
import * as reports from './pages/reports.js';
import * as audit from './pages/audit.js';
import * as admin from './pages/admin.js';

// The first segment of the hash picks the page; the navigation shows the pages the session's permissions allow.
const routes = [
  {path: 'overview', permission: 'view', nav: 'Обзор', page: overview},
  {path: 'queues', permission: 'view', nav: 'Очереди', page: queue},
  {path: 'dead-letters', permission: 'view', nav: 'Недоставленные', page: deadLetters},
  {path: 'rejections', permission: 'view', nav: 'Отказы', page: rejections},
  {path: 'overdue', permission: 'view', nav: 'Просрочки', page: overdue},
  {path: 'reports', permission: 'reports', nav: 'Отчёты', page: reports},
  {path: 'audit', permission: 'audit', nav: 'Журнал действий', page: audit},
  {path: 'admin', permission: 'administer', nav: 'Администрирование', page: admin},
  {path: 'messages', permission: 'view', page: message},
];

const pageRoot = document.getElementById('page');
const navElement = document.querySelector('[data-testid="nav"]');
const whoElement = document.querySelector('[data-testid="header-who"]');
const instanceElement = document.querySelector('[data-testid="header-instance"]');
const defaultInstance = instanceElement.textContent;

let session = null;
let leavePage = null;  // the current page's clean-up

function can(permission) {
  return Boolean(session?.permissions?.includes(permission));
}

// "#/queues/ORG-1?state=X" -> {path: 'queues', params: ['ORG-1'], query}
function parseHash() {
  const hash = location.hash.replace(/^#\/?/, '');
  const [pathPart, queryPart = ''] = hash.split('?');
  const segments = pathPart.split('/').filter(Boolean).map((segment) => {
    try {
      return decodeURIComponent(segment);
    } catch {
      return segment;
    }
  });
  return {path: segments[0] ?? '', params: segments.slice(1), query: new URLSearchParams(queryPart)};
}

function setTitle(title) {
  const instance = session?.instance_name || defaultInstance;
  document.title = title ? `${title} — ${instance}` : instance;
}

function leave() {
  if (leavePage) {
    try {
      leavePage();
    } catch (error) {
      console.error(error);
    }
    leavePage = null;
  }
}

function mountPage(module, params, query, focus) {
  leave();
  const root = h('div', {class: 'page-body'});
  replace(pageRoot, root);
  const controller = new AbortController();
  const cleanup = module.mount(root, {
    session,
    params,
    query,
    can,
    setTitle,
    signal: controller.signal,
    navigate: (hash) => { location.hash = hash; },
    onSignedIn: signedIn,
  });
  leavePage = () => {
    controller.abort();
    if (typeof cleanup === 'function') cleanup();
  };
  if (focus) pageRoot.focus({preventScroll: true});
}

function route(focus = true) {
  if (!session) return;
  const {path, params, query} = parseHash();
  const allowed = routes.filter((candidate) => candidate.nav && can(candidate.permission));
  if (!path) {
    // The first page this operator may see; a session without any shows the "no access" page.
    if (allowed.length > 0) {
      location.replace(`#/${allowed[0].path}`);
      return;
    }
  }
  const found = routes.find((candidate) => candidate.path === path);
  renderNav(found?.path);
  if (!found) {
    leave();
    setTitle('Не найдено');
    replace(pageRoot, h('div', {class: 'page-body'},
      h('h1', {testid: 'page-title'}, path ? 'Страница не найдена' : 'Нет доступа'),
      h('p', {testid: path ? 'page-not-found' : 'page-forbidden'},
        path ? 'Такой страницы нет.' : 'Вашей роли не открыт ни один раздел консоли.')));
    return;
  }
  if (!can(found.permission)) {
    leave();
    setTitle('Нет доступа');
    replace(pageRoot, h('div', {class: 'page-body'},
      h('h1', {testid: 'page-title'}, 'Нет доступа'),
      h('p', {testid: 'page-forbidden'}, 'Этот раздел недоступен для вашей роли.')));
    return;
  }
  mountPage(found.page, params, query, focus);
}

function renderNav(current) {
  const links = routes.filter((candidate) => candidate.nav && can(candidate.permission)).map((candidate) =>
    h('a', {
      href: `#/${candidate.path}`,
      testid: `nav-${candidate.path}`,
      'aria-current': candidate.path === current ? 'page' : null,
    }, candidate.nav));
  replace(navElement, links);
  navElement.hidden = false;
}

function renderWho() {
  instanceElement.textContent = session.instance_name || defaultInstance;
  instanceElement.title = instanceElement.textContent;  // the header may cut a long name short
  const signOut = session.authenticated_by === 'password' || !session.authenticated_by
    ? h('button', {type: 'button', class: 'link-button', testid: 'header-sign-out', onclick: signOutClicked}, 'Выйти')
    : null;
  replace(whoElement,
    h('span', {testid: 'header-operator', class: 'operator'}, session.operator || '—'),
    h('span', {testid: 'header-role', class: 'muted'}, label('role', session.role)),
    session.authenticated_by && session.authenticated_by !== 'password'
      ? h('span', {testid: 'header-auth', class: 'muted'}, label('authenticatedBy', session.authenticated_by))
      : null,
    signOut);
  whoElement.hidden = false;
}

function signedIn(newSession) {
  session = newSession;
  api.setCsrfToken(session.csrf_token);
  renderWho();
  route();
}

function showSignIn(notice) {
  leave();
  session = null;
  api.setCsrfToken('');
  navElement.hidden = true;
  whoElement.hidden = true;
  replace(navElement);
  replace(whoElement);
  setTitle('Вход');
  mountPage(login, [], new URLSearchParams(), false);
  if (notice) pageRoot.querySelector('[data-testid="login-notice"]')?.replaceChildren(notice);
}

async function signOutClicked() {
  try {
    await api.del('/api/v1/session');
  } catch (error) {
    // Already signed out (401) or the server is gone: either way the form is what to show.
    if (error.status !== 401) console.error(error);
  }
  // The next operator to sign in starts on their own first page, not on this one's last.
  history.replaceState(null, '', '#/');
  showSignIn('Вы вышли.');
}

async function start() {
  api.setUnauthorizedHandler(() => {
    if (session) showSignIn('Сеанс завершён, войдите снова.');
  });
  window.addEventListener('hashchange', () => route());
  try {
    signedIn(await api.request('GET', '/api/v1/session', undefined, {signIn: true}));
  } catch (error) {
    // Anything but 401: the API is not there (a server without the console, or none at all). The form still, and
    // why signing in may not work.
    if (error.status === 404) error.message = 'Сервер не отвечает как консоль шлюза: нет /api/v1/session';
    showSignIn(error.status === 401 ? null : errorBox(error, 'login-server-error'));
  }
}

start();
