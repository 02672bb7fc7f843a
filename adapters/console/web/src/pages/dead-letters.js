// Недоставленные: #/dead-letters lists the organisations with dead letters (from the overview); #/dead-letters/<code>
// lists one organisation's dead letters (the queue endpoint, view=dead_letters) and, with the permission "requeue",
// puts the selected ones back into their queue (POST /api/v1/requeue) after a confirmation naming how many.
import * as api from '../api.js';
import {confirmAction} from '../dialog.js';
import {h, replace, row, table, errorBox} from '../dom.js';
import {label, num, plural} from '../format.js';
import {makePager} from '../pager.js';
import {messageCells, messageColumns} from './queue.js';

const PAGE_SIZE = 50;

export function mount(root, context) {
  context.setTitle('Недоставленные');
  const organisationsBox = h('nav', {class: 'chips', 'aria-label': 'Организации с недоставленными сообщениями',
    testid: 'dead-letters-orgs'}, h('span', {class: 'muted'}, 'Загрузка…'));
  const listBox = h('div');
  replace(root, h('h1', {testid: 'page-title'}, 'Недоставленные сообщения'), organisationsBox, listBox);
  const code = context.params[0];

  const loadOrganisations = async () => {
    try {
      const overview = await api.get('/api/v1/overview');
      const withDeadLetters = (overview.queues ?? []).filter((queue) => num(queue.dead_letters) > 0);
      replace(organisationsBox, withDeadLetters.length === 0
        ? h('p', {class: 'muted', testid: 'dead-letters-none'}, 'Недоставленных сообщений нет.')
        : withDeadLetters.map((queue) => h('a', {
          href: `#/dead-letters/${encodeURIComponent(queue.recipient_code)}`,
          class: 'chip', testid: `dead-letters-org-${queue.recipient_code}`,
          'aria-current': queue.recipient_code === code ? 'page' : null,
        }, queue.recipient_name || queue.recipient_code, ' ', h('span', {class: 'count'}, num(queue.dead_letters)))));
      return overview;
    } catch (error) {
      replace(organisationsBox, errorBox(error));
      return null;
    }
  };

  loadOrganisations();
  if (code) list(listBox, context, code, loadOrganisations);
  else replace(listBox, h('p', {class: 'muted'}, 'Выберите организацию.'));
}

function list(box, context, code, refreshOrganisations) {
  const mayRequeue = context.can('requeue');
  const selected = new Set();
  const results = h('div', {'aria-live': 'polite', testid: 'dead-letters-results'});
  const tableBox = h('div', {class: 'table-holder'});
  const requeue = mayRequeue
    ? h('button', {type: 'button', class: 'primary', testid: 'dead-letters-requeue', disabled: true},
      'Вернуть в очередь')
    : null;
  const updateButton = () => {
    if (!requeue) return;
    requeue.disabled = selected.size === 0;
    requeue.textContent = selected.size ? `Вернуть в очередь (${selected.size})` : 'Вернуть в очередь';
  };

  const pager = makePager('dead-letters', async (token) => {
    selected.clear();
    updateButton();
    try {
      const page = await api.get(`/api/v1/queues/${encodeURIComponent(code)}/messages`,
        {view: 'dead_letters', page_size: PAGE_SIZE, page_token: token});
      showPage(page.messages ?? []);
      return page.next_page_token;
    } catch (error) {
      replace(tableBox, errorBox(error));
      return '';
    }
  });

  const showPage = (messages) => {
    if (messages.length === 0) {
      replace(tableBox,
        h('p', {class: 'muted', testid: 'dead-letters-empty'}, 'У организации нет недоставленных сообщений.'));
      return;
    }
    const boxes = [];
    const rows = messages.map((message) => {
      const id = message.message_id;
      const cells = messageCells(message, 'dead-letters');
      if (mayRequeue) {
        const box = h('input', {type: 'checkbox', testid: `dead-letters-select-${id}`, 'aria-label': `Выбрать ${id}`,
          onchange: (event) => {
            if (event.target.checked) selected.add(id);
            else selected.delete(id);
            all.checked = selected.size === messages.length;
            all.indeterminate = selected.size > 0 && selected.size < messages.length;
            updateButton();
          }});
        boxes.push([box, id]);
        // The checkbox comes after the heading cell, so the row is still named by its message id.
        cells.splice(1, 0, {value: box, class: 'check'});
      }
      return row({testid: `dead-letters-row-${id}`}, cells);
    });
    const all = h('input', {type: 'checkbox', testid: 'dead-letters-select-all',
      'aria-label': 'Выбрать все на странице',
      onchange: (event) => {
        for (const [box, id] of boxes) {
          box.checked = event.target.checked;
          if (box.checked) selected.add(id);
          else selected.delete(id);
        }
        all.indeterminate = false;
        updateButton();
      }});
    const columns = mayRequeue
      ? [messageColumns[0], {label: all}, ...messageColumns.slice(1)]
      : messageColumns;
    replace(tableBox, table('dead-letters-table', columns, rows));
  };

  requeue?.addEventListener('click', async () => {
    const ids = [...selected];
    const n = ids.length;
    const confirmed = await confirmAction({
      title: 'Вернуть в очередь?',
      text: `Вернуть в очередь ${n} ${plural(n, 'сообщение', 'сообщения', 'сообщений')} организации ${code}? ` +
        'Они будут доставлены снова, счётчик попыток начнётся заново. Действие записывается в журнал.',
      confirmLabel: `Вернуть ${n}`,
    });
    if (!confirmed || context.signal.aborted) return;
    requeue.disabled = true;
    try {
      const response = await api.post('/api/v1/requeue', {message_ids: ids});
      showResults(results, response.results ?? []);
    } catch (error) {
      replace(results, errorBox(error));
    }
    await pager.reload();
    refreshOrganisations();
  });

  replace(box,
    h('div', {class: 'title-row'}, h('h2', {testid: 'dead-letters-title'}, 'Организация ',
      h('span', {class: 'code'}, code)), requeue),
    results, tableBox, pager.element);
  pager.first();
}

function showResults(box, results) {
  const done = results.filter((result) => result.requeued).length;
  replace(box, h('div', {class: 'panel'},
    h('p', {}, `Возвращено в очередь: ${done} из ${results.length}.`),
    h('ul', {class: 'plain'}, results.map((result) => h('li', {testid: `dead-letters-result-${result.message_id}`,
      class: result.requeued ? 'ok' : 'bad'},
      h('span', {class: 'code'}, result.message_id), ' — ',
      result.requeued ? 'возвращено' : `не возвращено: ${whyNot(result.error_code)}`)))));
}

function whyNot(code) {
  if (!code) return 'ошибка';
  const text = label('requeueError', code);
  return text === code ? code : `${text} (${code})`;
}
