// Обзор: every organisation's queue and deadline figures and the recent rates, polled every 2 s while the tab is
// visible (GET /api/v1/overview). It keeps the last figures on screen when a poll fails and says so.
import * as api from '../api.js';
import {makeChart, seriesColors} from '../charts.js';
import {h, replace, row, table, errorBox} from '../dom.js';
import {age, dateTimeSeconds, num, timeOfDay} from '../format.js';

const POLL_MS = 2000;

const totalsShown = [
  ['pending', 'В очереди', 'overview-total-pending'],
  ['leased', 'Выдано, ждут подтверждения', 'overview-total-leased'],
  ['dead_letters', 'Недоставленные', 'overview-total-dead-letters'],
  ['due_soon', 'Срок истекает', 'overview-total-due-soon'],
  ['overdue', 'Просрочено', 'overview-total-overdue'],
];

const ratesShown = [
  ['accepted', 'Принято', 'overview-rate-accepted'],
  ['delivered', 'Выдано', 'overview-rate-delivered'],
  ['acknowledged', 'Получено', 'overview-rate-acknowledged'],
  ['refused', 'Отказано на входе', 'overview-rate-refused'],
  ['dead_lettered', 'Стало недоставленными', 'overview-rate-dead-lettered'],
];

export function mount(root, context) {
  context.setTitle('Обзор');
  const readiness = h('span', {class: 'badge', testid: 'overview-readiness'}, '…');
  const updated = h('span', {class: 'muted', testid: 'overview-updated-at'});
  const problem = h('div', {'aria-live': 'polite'});
  const totals = h('div', {class: 'stats'});
  const canvas = h('canvas', {testid: 'overview-rates-chart', role: 'img',
    'aria-label': 'График: сообщений принято, выдано и получено за интервал'}, 'График недоступен.');
  const rateInterval = h('span', {class: 'muted', testid: 'overview-rate-interval'});
  const lastRates = h('div', {class: 'inline-figures'});
  const tableHolder = h('div', {class: 'table-holder'}, h('p', {class: 'muted', testid: 'page-loading'}, 'Загрузка…'));

  replace(root,
    h('div', {class: 'title-row'}, h('h1', {testid: 'page-title'}, 'Обзор'), readiness, updated),
    problem,
    totals,
    h('section', {class: 'panel', 'aria-labelledby': 'overview-rates-title'},
      h('h2', {id: 'overview-rates-title'}, 'Поток сообщений ', rateInterval),
      h('div', {class: 'chart-box'}, canvas),
      lastRates),
    h('section', {'aria-labelledby': 'overview-queues-title'},
      h('h2', {id: 'overview-queues-title'}, 'Очереди организаций'),
      tableHolder));

  let chart = null;
  let timer = null;
  let inFlight = false;
  let stopped = false;

  const show = (overview) => {
    const ready = Boolean(overview.ready);
    readiness.className = `badge ${ready ? 'ok' : 'bad'}`;
    readiness.textContent = ready ? 'Шлюз работает' : `Шлюз не готов: ${overview.readiness || 'причина неизвестна'}`;
    updated.textContent = `обновлено ${dateTimeSeconds(overview.at)}`;

    const sums = overview.totals ?? {};
    replace(totals, totalsShown.map(([field, text, testid]) => h('div', {
      class: `stat ${['dead_letters', 'overdue'].includes(field) && num(sums[field]) > 0 ? 'alert' : ''}`,
    }, h('span', {class: 'stat-label'}, text), h('span', {class: 'stat-value', testid}, num(sums[field])))));

    showRates(overview);
    keepingFocus(tableHolder, () => replace(tableHolder, queuesTable(overview)));
  };

  const showRates = (overview) => {
    const rates = overview.rates ?? [];
    const seconds = num(overview.rate_interval_seconds);
    rateInterval.textContent = seconds ? `(за каждые ${seconds} с)` : '';
    const last = rates.at(-1) ?? {};
    replace(lastRates, h('span', {class: 'muted'}, 'Последний интервал:'), h('dl', {}, ratesShown.map(
      ([field, text, testid]) => h('div', {}, h('dt', {}, text), h('dd', {testid}, num(last[field]))))));
    const labels = rates.map((point) => timeOfDay(point.at));
    const series = ratesShown.slice(0, 3).map(([field]) => rates.map((point) => num(point[field])));
    if (!chart) {
      const colors = seriesColors();
      chart = makeChart(canvas, {
        type: 'line',
        data: {
          labels,
          datasets: ratesShown.slice(0, 3).map(([, text], index) => ({
            label: text, data: series[index], borderColor: colors[index], backgroundColor: colors[index],
            pointRadius: 0, borderWidth: 2, tension: 0,
          })),
        },
        options: {
          interaction: {mode: 'index', intersect: false},
          scales: {y: {beginAtZero: true, ticks: {precision: 0}}},
          plugins: {legend: {position: 'bottom'}},
        },
      });
    } else {
      chart.data.labels = labels;
      chart.data.datasets.forEach((dataset, index) => { dataset.data = series[index]; });
      chart.update('none');
    }
  };

  const poll = async () => {
    timer = null;
    if (stopped || document.hidden || inFlight) return;
    inFlight = true;
    try {
      const overview = await api.get('/api/v1/overview');
      if (stopped) return;
      replace(problem);
      show(overview);
    } catch (error) {
      if (stopped || error.status === 401) return;  // the app shows the sign-in form
      replace(problem, errorBox(error, 'overview-error'),
        error.status === 403
          ? null
          : h('p', {class: 'muted'}, 'Показаны последние полученные данные; повтор через 2 с.'));
      if (error.status === 403) stopped = true;
    } finally {
      inFlight = false;
      schedule();
    }
  };
  const schedule = () => {
    if (!stopped && !document.hidden && timer === null) timer = setTimeout(poll, POLL_MS);
  };
  const visibilityChanged = () => {
    clearTimeout(timer);
    timer = null;
    if (!document.hidden) poll();  // at once: the figures on screen are stale
  };
  document.addEventListener('visibilitychange', visibilityChanged);
  poll();

  return () => {
    stopped = true;
    clearTimeout(timer);
    document.removeEventListener('visibilitychange', visibilityChanged);
    chart?.destroy();
  };
}

function queuesTable(overview) {
  const queues = overview.queues ?? [];
  if (queues.length === 0) return h('p', {class: 'muted', testid: 'overview-empty'}, 'Организаций нет.');
  const columns = [
    {label: 'Организация'},
    {label: 'В очереди', numeric: true},
    {label: 'Выдано', numeric: true},
    {label: 'Старейшее неподтверждённое', numeric: true},
    {label: 'Недоставленные', numeric: true},
    {label: 'Срок истекает', numeric: true},
    {label: 'Просрочено', numeric: true},
  ];
  const rows = [];
  let agency = null;
  for (const queue of queues) {
    if (queue.agency_code !== agency) {
      agency = queue.agency_code;
      rows.push(h('tr', {class: 'group', testid: `overview-agency-${agency ?? ''}`},
        h('th', {scope: 'colgroup', colspan: columns.length},
          queue.agency_name ? `${queue.agency_name} (${agency})` : `Ведомство ${agency || '—'}`)));
    }
    const code = queue.recipient_code;
    const deadLetters = num(queue.dead_letters);
    const overdue = num(queue.overdue);
    rows.push(row({testid: `overview-row-${code}`, class: deadLetters > 0 || overdue > 0 ? 'alert' : null}, [
      {value: h('a', {href: `#/queues/${encodeURIComponent(code)}`, testid: `overview-queue-link-${code}`},
        queue.recipient_name || code, ' ', h('span', {class: 'code'}, code))},
      {value: num(queue.pending), numeric: true, testid: `overview-pending-${code}`},
      {value: num(queue.leased), numeric: true, testid: `overview-leased-${code}`},
      {value: num(queue.pending) > 0 ? age(queue.oldest_pending_accepted_at, overview.at) : '—', numeric: true,
        testid: `overview-oldest-${code}`},
      {value: deadLetters, numeric: true, testid: `overview-dead-letters-${code}`, class: deadLetters ? 'bad' : null},
      {value: num(queue.due_soon), numeric: true, testid: `overview-due-soon-${code}`,
        class: num(queue.due_soon) ? 'warn' : null},
      {value: overdue, numeric: true, testid: `overview-overdue-${code}`, class: overdue ? 'bad' : null},
    ]));
  }
  return table('overview-table', columns, rows);
}

// Rebuilding the table every 2 s must not throw the keyboard focus out of it: put it back on the element with the
// same test id.
function keepingFocus(container, rebuild) {
  const focused = container.contains(document.activeElement) ? document.activeElement?.dataset?.testid : null;
  rebuild();
  if (focused) container.querySelector(`[data-testid="${CSS.escape(focused)}"]`)?.focus();
}
