// Просрочки: requests past their answer deadline whose clock still runs, the longest overdue first, as the server
// sorts them (GET /api/v1/overdue). The late organisation leads each row: responsibility for a late answer must be
// traceable to the late party (Mintrud recommendations 7d).
import * as api from '../api.js';
import {h, replace, row, table, errorBox, when} from '../dom.js';
import {informationType, label, num, workingDays} from '../format.js';
import {makePager} from '../pager.js';

const PAGE_SIZE = 50;

export function mount(root, context) {
  context.setTitle('Просрочки');
  const box = h('div', {class: 'table-holder'});
  const pager = makePager('overdue', async (token) => {
    try {
      const page = await api.get('/api/v1/overdue', {page_size: PAGE_SIZE, page_token: token});
      const requests = page.requests ?? [];
      replace(box, requests.length === 0
        ? h('p', {class: 'muted', testid: 'overdue-empty'}, 'Просроченных запросов нет.')
        : table('overdue-table', [
          {label: 'Задерживает ответ'}, {label: 'Просрочка', numeric: true}, {label: 'Срок истёк'},
          {label: 'Запрашивающий'}, {label: 'Вид сведений'}, {label: 'Состояние'}, {label: 'Принято'},
          {label: 'Запрос'},
        ], requests.map((request) => {
          const id = request.message_id;
          return row({testid: `overdue-row-${id}`, class: 'alert'}, [
            {value: [h('strong', {}, request.addressee_name || request.addressee_code || '—'), ' ',
              h('span', {class: 'code'}, request.addressee_code || ''),
              request.agency_code ? h('div', {class: 'muted'}, 'ведомство ', h('span', {class: 'code'},
                request.agency_code)) : null],
            testid: `overdue-late-party-${id}`},
            {value: workingDays(num(request.working_days_late)), numeric: true, testid: `overdue-days-${id}`,
              class: 'bad'},
            when(request.answer_due_at),
            h('span', {class: 'code'}, request.requester_code || '—'),
            h('span', {class: 'code'}, informationType(request.information_type)),
            label('state', request.state),
            when(request.accepted_at),
            h('a', {href: `#/messages/${encodeURIComponent(id)}`, class: 'code', testid: `overdue-link-${id}`}, id),
          ]);
        })));
      return page.next_page_token;
    } catch (error) {
      replace(box, errorBox(error));
      return '';
    }
  });
  replace(root, h('h1', {testid: 'page-title'}, 'Просроченные запросы'),
    h('p', {class: 'muted'}, 'Запросы, на которые адресат не ответил в срок; сначала самые давние.'),
    box, pager.element);
  pager.first();
}
