// Журнал действий: what operators did, newest first (GET /api/v1/audit; permission "audit"): sign-ins and their
// failures, requeues, reveals of personal data, registrations.
import * as api from '../api.js';
import {h, replace, row, table, errorBox, when} from '../dom.js';
import {dateTimeSeconds, label} from '../format.js';
import {makePager} from '../pager.js';

const PAGE_SIZE = 50;

export function mount(root, context) {
  context.setTitle('Журнал действий');
  const box = h('div', {class: 'table-holder'});
  const pager = makePager('audit', async (token) => {
    try {
      const page = await api.get('/api/v1/audit', {page_size: PAGE_SIZE, page_token: token});
      const entries = page.entries ?? [];
      replace(box, entries.length === 0
        ? h('p', {class: 'muted', testid: 'audit-empty'}, 'Записей нет.')
        : table('audit-table', [
          {label: 'Когда'}, {label: 'Оператор'}, {label: 'Роль'}, {label: 'Действие'}, {label: 'Объект'},
          {label: 'Подробности'}, {label: 'Откуда'},
        ], entries.map((entry, index) => row({testid: `audit-row-${index}`,
          class: ['sign_in_failed', 'locked_out', 'reveal'].includes(entry.action) ? 'alert' : null}, [
          when(entry.at, dateTimeSeconds),
          {value: entry.operator || '—', testid: `audit-operator-${index}`},
          entry.role ? label('role', entry.role) : '—',
          {value: label('auditAction', entry.action) || '—', testid: `audit-action-${index}`},
          target(entry),
          entry.detail || '',
          h('span', {class: 'code'}, entry.client || '—'),
        ]))));
      return page.next_page_token;
    } catch (error) {
      replace(box, errorBox(error));
      return '';
    }
  });
  replace(root, h('h1', {testid: 'page-title'}, 'Журнал действий'), box, pager.element);
  pager.first();
}

// Message ids (requeue, reveal) link to the message; other targets (agreements) show as they are.
function target(entry) {
  if (!entry.target) return '—';
  if (['requeue', 'reveal', 'record_original', 'register_paper'].includes(entry.action) &&
      /^[0-9a-f-]{36}$/i.test(entry.target)) {
    return h('a', {href: `#/messages/${encodeURIComponent(entry.target)}`, class: 'code'}, entry.target);
  }
  return h('span', {class: 'code'}, entry.target);
}
