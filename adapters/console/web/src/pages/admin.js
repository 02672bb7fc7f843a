// Администрирование (permission "administer"): the participants' registry (GET /api/v1/participants) and the
// interagency agreements with their versions (GET /api/v1/agreements). Read-only: both come from the config file.
import * as api from '../api.js';
import {h, replace, table, errorBox, when} from '../dom.js';
import {label, num} from '../format.js';

export function mount(root, context) {
  context.setTitle('Администрирование');
  const participantsBox = h('div', {class: 'table-holder'}, h('p', {class: 'muted'}, 'Загрузка…'));
  const agreementsBox = h('div', {class: 'table-holder'}, h('p', {class: 'muted'}, 'Загрузка…'));
  replace(root, h('h1', {testid: 'page-title'}, 'Администрирование'),
    h('p', {class: 'muted'}, 'Участники и соглашения задаются в файле конфигурации; здесь они только показаны.'),
    h('section', {'aria-labelledby': 'admin-participants-title'},
      h('h2', {id: 'admin-participants-title'}, 'Участники обмена'), participantsBox),
    h('section', {'aria-labelledby': 'admin-agreements-title'},
      h('h2', {id: 'admin-agreements-title'}, 'Соглашения о взаимодействии'), agreementsBox));

  api.get('/api/v1/participants').then((view) => replace(participantsBox, participants(view.agencies ?? [])))
    .catch((error) => replace(participantsBox, errorBox(error)));
  api.get('/api/v1/agreements').then((list) => replace(agreementsBox, agreements(list.agreements ?? [])))
    .catch((error) => replace(agreementsBox, errorBox(error)));
}

const codes = (list) => (list ?? []).length ? h('span', {class: 'code'}, list.join(', ')) : '—';

function certificates(entry) {
  const names = entry.certificate_common_names ?? [];
  const prints = entry.certificate_sha256 ?? [];
  if (!names.length && !prints.length) return '—';
  return [names.length ? h('span', {class: 'code'}, names.join(', ')) : null,
    prints.length ? h('div', {class: 'muted'}, `отпечатков: ${prints.length}`) : null];
}

function participants(agencies) {
  if (agencies.length === 0) return h('p', {class: 'muted', testid: 'admin-participants'}, 'Участников нет.');
  const rows = [];
  for (const agency of agencies) {
    rows.push(h('tr', {class: 'group-row', testid: `admin-agency-${agency.code}`},
      h('th', {scope: 'row'}, agency.name || agency.code),
      h('td', {class: 'code'}, agency.code),
      h('td', {}, label('agencyKind', agency.kind)),
      h('td', {class: 'code'}, agency.utc_offset || '+03:00'),
      h('td', {class: 'code'}, agency.parent_agency || '—'),
      h('td', {}, '')));
    for (const organisation of agency.organisations ?? []) {
      rows.push(h('tr', {testid: `admin-org-${organisation.code}`},
        h('th', {scope: 'row', class: 'indent'}, organisation.name || organisation.code),
        h('td', {class: 'code'}, organisation.code),
        h('td', {}, 'организация'),
        h('td', {}, ''),
        h('td', {class: 'code'}, organisation.parent || '—'),
        h('td', {}, certificates(organisation))));
    }
  }
  return table('admin-participants', [{label: 'Наименование'}, {label: 'Код'}, {label: 'Вид'},
    {label: 'Часовой пояс'}, {label: 'Подчинено'}, {label: 'Сертификаты систем'}], rows);
}

function agreements(list) {
  if (list.length === 0) return h('p', {class: 'muted', testid: 'admin-agreements'}, 'Соглашений нет.');
  const rows = list.map((version) => {
    const agreement = version.agreement ?? {};
    const terms = [
      agreement.clarification_stops_clock ? 'уточнение останавливает срок' : null,
      agreement.interim_status_stops_clock ? 'промежуточный статус останавливает срок' : null,
      agreement.sender_signature_required ? 'нужна подпись отправителя' : null,
    ].filter(Boolean);
    return h('tr', {testid: `admin-agreement-${agreement.id}`, class: version.withdrawn ? 'withdrawn' : null},
      h('th', {scope: 'row', class: 'code nowrap'}, agreement.id || '—'),
      h('td', {}, agreement.title || '—'),
      h('td', {}, codes(agreement.requesters)),
      h('td', {}, codes(agreement.addressees)),
      h('td', {}, codes(agreement.information_types)),
      h('td', {}, (agreement.authorities ?? []).map((authority) =>
        h('div', {}, h('span', {class: 'code'}, authority.code), authority.name ? ` ${authority.name}` : ''))),
      h('td', {class: 'nowrap'}, `${agreement.valid_from || '—'} —`, h('br'), agreement.valid_until || 'бессрочно'),
      h('td', {class: 'num'}, num(agreement.answer_deadline_working_days) || 'по виду сведений'),
      h('td', {}, terms.join('; ') || '—'),
      h('td', {class: 'num'}, num(version.version)),
      h('td', {}, when(version.recorded_at)),
      h('td', {class: version.withdrawn ? 'bad' : null}, version.withdrawn ? 'отозвано' : 'действует'));
  });
  return table('admin-agreements', [{label: 'Номер'}, {label: 'Соглашение'}, {label: 'Запрашивающие'},
    {label: 'Адресаты'}, {label: 'Виды сведений'}, {label: 'Полномочия'}, {label: 'Действует'},
    {label: 'Срок ответа, раб. дн.', numeric: true}, {label: 'Условия'}, {label: 'Версия', numeric: true},
    {label: 'Записано'}, {label: 'Статус'}], rows);
}
