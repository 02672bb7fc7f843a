// Отказы: messages refused at the door, newest first (GET /api/v1/rejections): who, when, which rule (the stable
// error code) and which fields failed. The log holds codes and field paths only, never personal data.
import * as api from '../api.js';
import {h, replace, row, table, errorBox, when} from '../dom.js';
import {dateTimeSeconds, informationType} from '../format.js';
import {makePager} from '../pager.js';

const PAGE_SIZE = 50;

export function mount(root, context) {
  context.setTitle('Отказы');
  const box = h('div', {class: 'table-holder'});
  const pager = makePager('rejections', async (token) => {
    try {
      const page = await api.get('/api/v1/rejections', {page_size: PAGE_SIZE, page_token: token});
      const rejections = page.rejections ?? [];
      replace(box, rejections.length === 0
        ? h('p', {class: 'muted', testid: 'rejections-empty'}, 'Отказов нет.')
        : table('rejections-table', [
          {label: 'Когда'}, {label: 'Отправитель'}, {label: 'Операция'}, {label: 'Правило'}, {label: 'Поля'},
          {label: 'Адресат'}, {label: 'Вид сведений / запрос'}, {label: 'Ключ идемпотентности'},
        ], rejections.map((rejection, index) => row({testid: `rejections-row-${index}`}, [
          when(rejection.at, dateTimeSeconds),
          {value: h('span', {class: 'code'}, rejection.organisation_code || '—'),
            testid: `rejections-organisation-${index}`},
          rejection.operation || '—',
          {value: [h('strong', {class: 'code'}, rejection.error_code || '—'),
            rejection.message ? h('div', {class: 'note'}, rejection.message) : null],
          testid: `rejections-code-${index}`},
          {value: violations(rejection.violations ?? []), testid: `rejections-fields-${index}`},
          h('span', {class: 'code'}, rejection.addressee_code || '—'),
          rejection.request_id
            ? h('a', {href: `#/messages/${encodeURIComponent(rejection.request_id)}`, class: 'code'},
              rejection.request_id)
            : h('span', {class: 'code'}, informationType(rejection.information_type)),
          h('span', {class: 'code'}, rejection.idempotency_key || '—'),
        ]))));
      return page.next_page_token;
    } catch (error) {
      replace(box, errorBox(error));
      return '';
    }
  });
  replace(root, h('h1', {testid: 'page-title'}, 'Отказы на входе'),
    h('p', {class: 'muted'}, 'Сообщения, которые шлюз не принял: кто отправил, когда, по какому правилу, какие поля.'),
    box, pager.element);
  pager.first();
}

function violations(list) {
  if (list.length === 0) return '—';
  return h('ul', {class: 'plain'}, list.map((violation) => h('li', {},
    h('span', {class: 'code'}, violation.field || '—'), ' ', h('span', {class: 'code muted'}, violation.code || ''),
    violation.description ? h('div', {class: 'note'}, violation.description) : null)));
}
