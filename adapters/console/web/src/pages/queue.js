// Очереди: #/queues lists the organisations; #/queues/<code> one organisation's queue (or its dead letters), filtered
// and paged (GET /api/v1/queues/<code>/messages). The filters live in the hash, so a filtered view can be linked
// and the browser's back button returns to the previous filter.
import * as api from '../api.js';
import {h, replace, row, table, errorBox, when} from '../dom.js';
import {enumNames, informationType, label, num} from '../format.js';
import {makePager} from '../pager.js';

const PAGE_SIZE = 50;

export function mount(root, context) {
  const code = context.params[0];
  if (!code) {
    organisations(root, context);
    return undefined;
  }
  queue(root, context, code);
  return undefined;
}

async function organisations(root, context) {
  context.setTitle('Очереди');
  replace(root, h('h1', {testid: 'page-title'}, 'Очереди'),
    h('p', {class: 'muted', testid: 'page-loading'}, 'Загрузка…'));
  try {
    const overview = await api.get('/api/v1/overview');
    const rows = (overview.queues ?? []).map((queue) => row({}, [
      h('a', {href: `#/queues/${encodeURIComponent(queue.recipient_code)}`,
        testid: `queues-link-${queue.recipient_code}`},
        queue.recipient_name || queue.recipient_code),
      h('span', {class: 'code'}, queue.recipient_code),
      h('span', {class: 'code'}, queue.agency_code || '—'),
      {value: num(queue.pending), numeric: true},
      {value: num(queue.dead_letters), numeric: true},
    ]));
    replace(root, h('h1', {testid: 'page-title'}, 'Очереди'),
      table('queues-table', [{label: 'Организация'}, {label: 'Код'}, {label: 'Ведомство'},
        {label: 'В очереди', numeric: true}, {label: 'Недоставленные', numeric: true}], rows));
  } catch (error) {
    replace(root, h('h1', {testid: 'page-title'}, 'Очереди'), errorBox(error));
  }
}

function queue(root, context, code) {
  const query = context.query;
  const filters = {
    view: query.get('view') === 'dead_letters' ? 'dead_letters' : 'pending',
    state: query.get('state') ?? '',
    type: query.get('type') ?? '',
    from: query.get('from') ?? '',
    to: query.get('to') ?? '',
    order: query.get('order') === 'newest' ? 'newest' : 'oldest',
  };
  context.setTitle(`Очередь ${code}`);
  const title = h('h1', {testid: 'queue-title'}, 'Очередь ', h('span', {class: 'code'}, code));
  const results = h('div', {class: 'table-holder'});
  const pager = makePager('queue', async (token) => {
    try {
      const page = await api.get(`/api/v1/queues/${encodeURIComponent(code)}/messages`, {
        view: filters.view, state: filters.state, type: filters.type, from: filters.from, to: filters.to,
        order: filters.order, page_size: PAGE_SIZE, page_token: token,
      });
      const messages = page.messages ?? [];
      replace(results, messages.length === 0
        ? h('p', {class: 'muted', testid: 'queue-empty'}, 'Сообщений нет.')
        : table('queue-table', messageColumns, messages.map((message) => row(
          {testid: `queue-row-${message.message_id}`}, messageCells(message, 'queue')))));
      return page.next_page_token;
    } catch (error) {
      replace(results, errorBox(error));
      return '';
    }
  });

  replace(root, title, filterForm(code, filters, context, () => pager.first()), results, pager.element);
  pager.first();
  // The organisation's name, for the title; the queue shows without it.
  api.get('/api/v1/overview').then((overview) => {
    const found = (overview.queues ?? []).find((candidate) => candidate.recipient_code === code);
    if (found?.recipient_name) {
      replace(title, found.recipient_name, ' ', h('span', {class: 'code'}, code));
      context.setTitle(`Очередь: ${found.recipient_name}`);
    }
  }).catch(() => {});
}

function filterForm(code, filters, context, reload) {
  const select = (id, labelText, options, value) => [
    h('label', {for: id}, labelText),
    h('select', {id, name: id, testid: id}, options.map(([optionValue, text]) =>
      h('option', {value: optionValue, selected: optionValue === value}, text))),
  ];
  const input = (id, labelText, type, value, extra = {}) => [
    h('label', {for: id}, labelText),
    h('input', {id, name: id, type, value, testid: id, ...extra}),
  ];
  const form = h('form', {class: 'filters', testid: 'queue-filters', 'aria-label': 'Отбор сообщений'},
    h('div', {class: 'field'}, select('queue-filter-view', 'Показать',
      [['pending', 'В очереди'], ['dead_letters', 'Недоставленные']], filters.view)),
    h('div', {class: 'field'}, select('queue-filter-state', 'Состояние',
      [['', 'Любое'], ...enumNames('state').map((name) => [name, label('state', name)])], filters.state)),
    h('div', {class: 'field'}, input('queue-filter-type', 'Вид сведений', 'text', filters.type,
      {placeholder: 'zags.civil-status-record', spellcheck: 'false'})),
    h('div', {class: 'field'}, input('queue-filter-from', 'Принято с', 'date', filters.from)),
    h('div', {class: 'field'}, input('queue-filter-to', 'по', 'date', filters.to)),
    h('div', {class: 'field'}, select('queue-filter-order', 'Порядок',
      [['oldest', 'Сначала старые'], ['newest', 'Сначала новые']], filters.order)),
    h('div', {class: 'field actions'},
      h('button', {type: 'submit', class: 'primary', testid: 'queue-filter-apply'}, 'Применить'),
      h('button', {type: 'button', testid: 'queue-filter-reset',
        onclick: () => go(code, {}, context, reload)}, 'Сбросить')));
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    const value = (id) => form.querySelector(`#${id}`).value.trim();
    go(code, {
      view: value('queue-filter-view') === 'pending' ? '' : value('queue-filter-view'),
      state: value('queue-filter-state'),
      type: value('queue-filter-type'),
      from: value('queue-filter-from'),
      to: value('queue-filter-to'),
      order: value('queue-filter-order') === 'oldest' ? '' : value('queue-filter-order'),
    }, context, reload);
  });
  return form;
}

// Puts the filters in the hash; the router mounts the page again with them. The same hash fires no hashchange, so
// then it just loads the first page again.
function go(code, filters, context, reload) {
  const hash = api.withQuery(`#/queues/${encodeURIComponent(code)}`, filters);
  if (location.hash === hash) reload();
  else context.navigate(hash);
}

export const messageColumns = [
  {label: 'Сообщение'}, {label: 'Вид'}, {label: 'Состояние'}, {label: 'Отправитель'}, {label: 'Вид сведений'},
  {label: 'Принято'}, {label: 'Попыток', numeric: true}, {label: 'Ответ до'}, {label: 'Срок'},
];

// A MessageSummary's cells, the first one linking to the message page.
export function messageCells(message, prefix) {
  const id = message.message_id;
  const overdue = message.deadline_status === 'DEADLINE_STATUS_OVERDUE';
  return [
    h('a', {href: `#/messages/${encodeURIComponent(id)}`, class: 'code', testid: `${prefix}-link-${id}`}, id),
    label('kind', message.kind),
    {value: label('state', message.state), testid: `${prefix}-state-${id}`},
    h('span', {class: 'code'}, message.sender_code || '—'),
    h('span', {class: 'code'}, informationType(message.information_type)),
    when(message.accepted_at),
    {value: num(message.delivery_attempts), numeric: true},
    when(message.answer_due_at),
    {value: message.deadline_status ? label('deadlineStatus', message.deadline_status) : '—',
      class: overdue ? 'bad' : null},
  ];
}
