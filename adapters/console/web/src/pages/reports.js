// Отчёты: deadline compliance for a reporting period per agency and organisation (GET /api/v1/report; permission
// "reports"; DOMAIN.md "Control and evaluation": quarterly, half-yearly, yearly). The period is in the hash
// (#/reports?period=2026-Q1), so a report can be linked; the CSV and JSON exports are the server's attachments.
import * as api from '../api.js';
import {makeChart, seriesColors} from '../charts.js';
import {h, replace, errorBox} from '../dom.js';
import {calendarDate, dateTime, decimal, label, num, percent} from '../format.js';

export function mount(root, context) {
  context.setTitle('Отчёты');
  const period = context.query.get('period') ?? '';
  const result = h('div');
  let chart = null;
  const load = async () => {
    chart?.destroy();
    chart = null;
    replace(result, h('p', {class: 'muted', testid: 'page-loading'}, 'Отчёт считается…'));
    try {
      const response = await api.get('/api/v1/report', {period});
      if (!context.signal.aborted) chart = showReport(result, response.report ?? {}, period);
    } catch (error) {
      replace(result, errorBox(error));
    }
  };
  // A new period goes into the hash (the router mounts the page again); the same one is computed again in place.
  const submit = (value) => {
    if (value === period) load();
    else context.navigate(`#/reports?period=${encodeURIComponent(value)}`);
  };
  replace(root, h('h1', {testid: 'page-title'}, 'Отчёт о соблюдении сроков'), periodForm(period, submit), result);
  if (period) load();
  else replace(result, h('p', {class: 'muted'}, 'Выберите период и нажмите «Показать».'));
  return () => chart?.destroy();
}

// --- the period picker: quarter, half-year, year or two dates -> "2026-Q1", "2026-H1", "2026", "A..B" ---

function parsePeriod(period) {
  let match;
  if ((match = /^(\d{4})-Q([1-4])$/.exec(period))) return {kind: 'quarter', year: match[1], quarter: match[2]};
  if ((match = /^(\d{4})-H([12])$/.exec(period))) return {kind: 'half', year: match[1], half: match[2]};
  if ((match = /^(\d{4})$/.exec(period))) return {kind: 'year', year: match[1]};
  if ((match = /^(\d{4}-\d{2}-\d{2})\.\.(\d{4}-\d{2}-\d{2})$/.exec(period))) {
    return {kind: 'custom', from: match[1], to: match[2], year: match[1].slice(0, 4)};
  }
  // Nothing chosen yet: the last quarter that has begun, i.e. the current one.
  const now = new Date();
  return {kind: 'quarter', year: String(now.getFullYear()), quarter: String(Math.floor(now.getMonth() / 3) + 1)};
}

function periodForm(period, submit) {
  const chosen = parsePeriod(period);
  const option = (value, text, selected) => h('option', {value, selected: value === selected}, text);
  const kind = h('select', {id: 'reports-period-kind', testid: 'reports-period-kind'},
    option('quarter', 'Квартал', chosen.kind), option('half', 'Полугодие', chosen.kind),
    option('year', 'Год', chosen.kind), option('custom', 'Произвольный период', chosen.kind));
  const year = h('input', {id: 'reports-year', type: 'number', min: 2000, max: 2100, step: 1, required: true,
    value: chosen.year ?? '', testid: 'reports-year'});
  const quarter = h('select', {id: 'reports-quarter', testid: 'reports-quarter'},
    ['1', '2', '3', '4'].map((q) => option(q, `${q}-й квартал`, chosen.quarter ?? '1')));
  const half = h('select', {id: 'reports-half', testid: 'reports-half'},
    option('1', 'Первое', chosen.half ?? '1'), option('2', 'Второе', chosen.half ?? '1'));
  const from = h('input', {id: 'reports-from', type: 'date', value: chosen.from ?? '', testid: 'reports-from'});
  const to = h('input', {id: 'reports-to', type: 'date', value: chosen.to ?? '', testid: 'reports-to'});
  const problem = h('p', {class: 'error', role: 'alert', hidden: true, testid: 'reports-form-error'});

  const fields = {
    year: h('div', {class: 'field'}, h('label', {for: 'reports-year'}, 'Год'), year),
    quarter: h('div', {class: 'field'}, h('label', {for: 'reports-quarter'}, 'Квартал'), quarter),
    half: h('div', {class: 'field'}, h('label', {for: 'reports-half'}, 'Полугодие'), half),
    from: h('div', {class: 'field'}, h('label', {for: 'reports-from'}, 'С'), from),
    to: h('div', {class: 'field'}, h('label', {for: 'reports-to'}, 'По'), to),
  };
  const showFields = () => {
    const k = kind.value;
    fields.year.hidden = k === 'custom';
    year.required = k !== 'custom';
    fields.quarter.hidden = k !== 'quarter';
    fields.half.hidden = k !== 'half';
    fields.from.hidden = k !== 'custom';
    fields.to.hidden = k !== 'custom';
    from.required = to.required = k === 'custom';
  };
  kind.addEventListener('change', showFields);
  showFields();

  const form = h('form', {class: 'filters', testid: 'reports-form', 'aria-label': 'Период отчёта'},
    h('div', {class: 'field'}, h('label', {for: 'reports-period-kind'}, 'Период'), kind),
    Object.values(fields),
    h('div', {class: 'field actions'}, h('button', {type: 'submit', class: 'primary', testid: 'reports-show'},
      'Показать')),
    problem);
  form.addEventListener('submit', (event) => {
    event.preventDefault();
    let value;
    switch (kind.value) {
      case 'quarter': value = `${year.value}-Q${quarter.value}`; break;
      case 'half': value = `${year.value}-H${half.value}`; break;
      case 'year': value = `${year.value}`; break;
      default: value = `${from.value}..${to.value}`;
    }
    const valid = kind.value === 'custom'
      ? from.value && to.value && from.value <= to.value
      : /^\d{4}$/.test(year.value);
    problem.hidden = Boolean(valid);
    problem.textContent = kind.value === 'custom' ? 'Укажите обе даты; начало не позже конца.' : 'Укажите год.';
    if (valid) submit(value);
  });
  return form;
}

// --- the report ---

// [field, column heading, what it means (the heading's tooltip)]
const figures = [
  ['requests_received', 'Поступило', 'Запросов с установленным сроком ответа, поступивших за период'],
  ['answered_on_time', 'В срок', 'Окончательный ответ дан в срок'],
  ['answered_late', 'С опозданием', 'Окончательный ответ дан после срока'],
  ['on_time_share', 'Доля в срок', 'В срок / (в срок + с опозданием)'],
  ['open', 'Без ответа', 'Нет окончательного ответа на конец периода'],
  ['open_overdue', 'из них просрочено', 'Без ответа и срок истёк'],
  ['refusals', 'Отказы', 'Окончательные отказы; по причинам — во всплывающей подсказке ячейки'],
  ['median_answer_working_days', 'Медиана, раб. дн.', 'Половина ответов дана не позже, рабочих дней'],
  ['p90_answer_working_days', '90 % за, раб. дн.', '90 % ответов дано не позже, рабочих дней'],
  ['referrals_received', 'Направлений', 'Получено направлений'],
  ['social_support_requests_sent', 'Запросов о соцподдержке', 'Отправлено запросов для социальной поддержки'],
  ['social_support_citizens', 'Граждан', 'Разных граждан в этих запросах'],
];

function onTimeShare(row) {
  const onTime = num(row.answered_on_time);
  const answered = onTime + num(row.answered_late);
  return answered ? onTime / answered : null;
}

function cell(row, field) {
  switch (field) {
    case 'on_time_share': return percent(onTimeShare(row));
    case 'refusals': return (row.refusals ?? []).reduce((sum, refusal) => sum + num(refusal.count), 0);
    case 'median_answer_working_days':
    case 'p90_answer_working_days':
      return num(row.answers_timed) ? decimal(row[field]) || '0' : '—';
    default: return num(row[field]);
  }
}

function refusalBreakdown(row) {
  return (row.refusals ?? []).map((refusal) =>
    `${label('refusalReason', refusal.reason) || 'без причины'}: ${num(refusal.count)}`).join('; ');
}

function reportRow(row, key, kind) {
  const name = kind === 'total' ? 'Всего' : row.name || row.organisation_code || row.agency_code;
  const code = kind === 'organisation' ? row.organisation_code : kind === 'agency' ? row.agency_code : '';
  return h('tr', {testid: `reports-row-${key}`, class: kind === 'agency' ? 'group-row' : kind},
    h('th', {scope: 'row', class: kind === 'organisation' ? 'indent' : null}, name,
      code ? [' ', h('span', {class: 'code'}, code)] : null),
    figures.map(([field]) => h('td', {class: 'num', testid: `reports-cell-${key}-${field}`,
      title: field === 'refusals' ? refusalBreakdown(row) || null : null}, cell(row, field))));
}

function showReport(box, report, period) {
  const agencies = report.agencies ?? [];
  const organisations = report.organisations ?? [];
  const rows = [];
  const shown = new Set();
  for (const agency of agencies) {
    rows.push(reportRow(agency, agency.agency_code, 'agency'));
    for (const organisation of organisations.filter((o) => o.agency_code === agency.agency_code)) {
      rows.push(reportRow(organisation, organisation.organisation_code, 'organisation'));
      shown.add(organisation);
    }
  }
  // Organisations of an agency the report has no row for (should not happen): still shown, at the end.
  for (const organisation of organisations.filter((o) => !shown.has(o))) {
    rows.push(reportRow(organisation, organisation.organisation_code, 'organisation'));
  }
  const encoded = encodeURIComponent(period);
  const canvas = h('canvas', {testid: 'reports-chart', role: 'img',
    'aria-label': 'Диаграмма: доля запросов, отвеченных в срок, по ведомствам'}, 'Диаграмма недоступна.');
  replace(box,
    h('div', {class: 'title-row'},
      h('h2', {testid: 'reports-period'}, `Период ${report.period || period}`),
      h('span', {class: 'muted', testid: 'reports-period-info'},
        `${calendarDate(report.first_day)} — ${calendarDate(report.last_day)}, ` +
          `сформирован ${dateTime(report.generated_at)}`),
      h('span', {class: `badge ${report.period_complete ? 'ok' : 'warn'}`, testid: 'reports-complete'},
        report.period_complete ? 'Период завершён' : 'Период не завершён: цифры ещё изменятся'),
      h('span', {class: 'downloads'},
        h('a', {href: `/api/v1/report.csv?period=${encoded}`, download: '', testid: 'reports-download-csv'},
          'Скачать CSV'),
        h('a', {href: `/api/v1/report.json?period=${encoded}`, download: '', testid: 'reports-download-json'},
          'Скачать JSON'))),
    h('div', {class: 'table-holder'}, h('table', {class: 'grid report', testid: 'reports-table'},
      h('thead', {}, h('tr', {}, h('th', {scope: 'col'}, 'Ведомство / организация'),
        figures.map(([, text, meaning]) => h('th', {scope: 'col', class: 'num', title: meaning}, text)))),
      h('tbody', {}, rows),
      h('tfoot', {}, reportRow(report.total ?? {}, 'total', 'total')))),
    h('section', {class: 'panel', 'aria-labelledby': 'reports-chart-title'},
      h('h2', {id: 'reports-chart-title'}, 'Доля ответов в срок по ведомствам'),
      h('div', {class: 'chart-box'}, canvas)));

  const color = seriesColors()[0];
  return makeChart(canvas, {
    type: 'bar',
    data: {
      labels: agencies.map((agency) => agency.name || agency.agency_code),
      datasets: [{
        label: 'Отвечено в срок, %',
        data: agencies.map((agency) => {
          const share = onTimeShare(agency);
          return share === null ? null : Math.round(share * 1000) / 10;
        }),
        backgroundColor: color,
        maxBarThickness: 64,
      }],
    },
    options: {
      scales: {y: {min: 0, max: 100, ticks: {callback: (value) => `${value} %`}}},
      plugins: {legend: {display: false}},
    },
  });
}
