// Сообщение: #/messages/<id> (GET /api/v1/messages/<id>): state, deadline and who is late, the seal's verdict, the
// envelope (the citizen's data masked unless revealed) and the history as a timeline. Revealing the personal data
// (permission "reveal") is confirmed first and recorded by the server in the audit log and the history.
import * as api from '../api.js';
import {confirmAction} from '../dialog.js';
import {h, replace, definitions, errorBox} from '../dom.js';
import {anyEnumLabel, calendarDate, dateTime, dateTimeSeconds, informationType, label, num, workingDays}
  from '../format.js';

export function mount(root, context) {
  const id = context.params[0] ?? '';
  context.setTitle(`Сообщение ${id}`);
  replace(root, h('h1', {testid: 'message-title'}, 'Сообщение ', h('span', {class: 'code'}, id)),
    h('p', {class: 'muted', testid: 'page-loading'}, 'Загрузка…'));
  const path = `/api/v1/messages/${encodeURIComponent(id)}`;

  const reveal = async () => {
    const confirmed = await confirmAction({
      title: 'Показать персональные данные?',
      text: 'Данные гражданина будут показаны полностью. Просмотр записывается в журнал действий ' +
        'с вашим именем, временем и идентификатором сообщения.',
      confirmLabel: 'Показать',
      danger: true,
    });
    if (!confirmed || context.signal.aborted) return;
    try {
      const revealed = await api.post(`${path}/reveal`);
      render(root, context, revealed, reveal);
      // The reveal is now in the history: the answer to the reveal may predate it, so read the status again.
      const fresh = await api.get(path);
      if (!context.signal.aborted) render(root, context, {...revealed, status: fresh.status}, reveal);
    } catch (error) {
      root.querySelector('[data-testid="message-actions"]')?.append(errorBox(error));
    }
  };

  api.get(path).then((view) => {
    if (!context.signal.aborted) render(root, context, view, reveal);
  }).catch((error) => {
    replace(root, h('h1', {testid: 'message-title'}, 'Сообщение ', h('span', {class: 'code'}, id)), errorBox(error));
  });
}

function render(root, context, view, reveal) {
  const status = view.status ?? {};
  const message = view.message ?? {};
  const id = status.message_id || message.message_id || context.params[0];
  const masked = Boolean(view.masked);
  replace(root,
    h('div', {class: 'title-row'},
      h('h1', {testid: 'message-title'}, `${label('kind', status.kind)} `, h('span', {class: 'code'}, id)),
      h('span', {class: 'badge', testid: 'message-state'}, label('state', status.state))),
    h('div', {class: 'columns'},
      summary(status),
      h('div', {}, deadline(view, status), seal(view.seal))),
    h('section', {class: 'panel', 'aria-labelledby': 'message-envelope-title'},
      h('div', {class: 'title-row', testid: 'message-actions'},
        h('h2', {id: 'message-envelope-title'}, 'Конверт'),
        h('span', {class: `badge ${masked ? '' : 'warn'}`, testid: 'message-masked'},
          masked ? 'Персональные данные скрыты' : 'Персональные данные показаны; просмотр записан в журнал'),
        masked && context.can('reveal')
          ? h('button', {type: 'button', testid: 'message-reveal', onclick: reveal}, 'Показать персональные данные')
          : null),
      envelope(message, view)),
    h('section', {class: 'panel', 'aria-labelledby': 'message-history-title'},
      h('h2', {id: 'message-history-title'}, 'История'),
      history(status.history ?? [])));
}

const messageLink = (id) => h('a', {href: `#/messages/${encodeURIComponent(id)}`, class: 'code'}, id);

function summary(status) {
  return h('section', {class: 'panel', 'aria-labelledby': 'message-summary-title'},
    h('h2', {id: 'message-summary-title'}, 'Состояние'),
    definitions('message-summary', [
      ['Вид', label('kind', status.kind), 'message-kind'],
      ['Состояние', label('state', status.state)],
      ['Отправитель', h('span', {class: 'code'}, status.sender_code || '—'), 'message-sender'],
      ['Получатель', h('span', {class: 'code'}, status.recipient_code || '—'), 'message-recipient'],
      ['Вид сведений', status.information_type ? informationType(status.information_type) : ''],
      ['Принято', dateTime(status.accepted_at), 'message-accepted-at'],
      ['Канал', label('channel', status.channel)],
      ['Получено на бумаге', status.received_at ? dateTime(status.received_at) : ''],
      ['Попыток доставки', num(status.delivery_attempts), 'message-attempts'],
      ['Аренда до', status.lease_expires_at ? dateTime(status.lease_expires_at) : ''],
      ['Запрос', status.request_id ? messageLink(status.request_id) : ''],
      ['Ответы', (status.response_ids ?? []).length
        ? h('span', {class: 'links'}, status.response_ids.map(messageLink)) : ''],
    ]));
}

function deadline(view, status) {
  const lateDays = num(view.working_days_late);
  const late = lateDays > 0 || view.late_party_code;
  const overdue = status.deadline_status === 'DEADLINE_STATUS_OVERDUE';
  return h('section', {class: `panel ${overdue ? 'alert' : ''}`, testid: 'message-deadline',
    'aria-labelledby': 'message-deadline-title'},
    h('h2', {id: 'message-deadline-title'}, 'Срок ответа'),
    status.answer_due_at || status.deadline_status
      ? definitions('', [
        ['Ответ до', dateTime(status.answer_due_at), 'message-answer-due'],
        ['Срок', h('span', {class: overdue ? 'bad' : ''}, label('deadlineStatus', status.deadline_status),
          status.deadline_kind ? ` (${label('deadlineKind', status.deadline_kind)})` : ''), 'message-deadline-status'],
        ['Задерживает ответ', late
          ? h('strong', {}, view.late_party_name || view.late_party_code, view.late_party_name && view.late_party_code
            ? ' ' : '', view.late_party_name ? h('span', {class: 'code'}, view.late_party_code) : '')
          : '', 'message-late-party'],
        ['Просрочка', lateDays > 0 ? workingDays(lateDays) : '', 'message-working-days-late'],
      ])
      : h('p', {class: 'muted', testid: 'message-deadline-status'}, 'Срок ответа не установлен.'));
}

function seal(check) {
  const verdict = check?.verdict;
  const valid = verdict === 'SEAL_VERDICT_VALID';
  return h('section', {class: 'panel', testid: 'message-seal', 'aria-labelledby': 'message-seal-title'},
    h('h2', {id: 'message-seal-title'}, 'Печать шлюза'),
    h('p', {}, h('span', {class: `badge ${valid ? 'ok' : 'bad'}`, testid: 'message-seal-verdict',
      'data-verdict': verdict || 'SEAL_VERDICT_UNSPECIFIED'}, label('sealVerdict', verdict))),
    definitions('', [
      ['Код ошибки', check?.error_code ?? ''],
      ['Подробности', check?.detail ?? ''],
      ['Алгоритм', check?.algorithm ?? ''],
      ['Подписант', check?.signer ?? ''],
      ['Отпечаток сертификата (SHA-256)', check?.certificate_sha256
        ? h('span', {class: 'code wrap'}, check.certificate_sha256) : ''],
    ]));
}

// --- the envelope, shown generically: every field present, the known ones named in Russian ---

const fieldNames = {
  message_id: 'Идентификатор', kind: 'Вид', sender_code: 'Отправитель', recipient_code: 'Получатель',
  accepted_at: 'Принято', delivery_attempt: 'Попытка доставки', channel: 'Канал', received_at: 'Получено',
  registered_by: 'Зарегистрировал', answer_working_days: 'Срок ответа, раб. дней', answer_due_at: 'Ответ до',
  citizen_copy_due_at: 'Копия гражданину до', payload_signer: 'Подпись документа', request: 'Запрос',
  response: 'Ответ', supplement: 'Дополнение', notice: 'Уведомление о сроке',
  requester_code: 'Запрашивающий, код', requester_name: 'Запрашивающий', addressee_code: 'Адресат, код',
  addressee_name: 'Адресат', responder_code: 'Ответчик, код', responder_name: 'Ответчик',
  information_type: 'Вид сведений', authority: 'Полномочие', citizen: 'Гражданин',
  reply_contact: 'Куда направить ответ',
  registration: 'Регистрация', preparer: 'Исполнитель', consent: 'Согласие на обработку персональных данных',
  payload: 'Документ', transaction_code: 'Код транзакции', test_message: 'Тестовое сообщение',
  last_name: 'Фамилия', first_name: 'Имя', middle_name: 'Отчество', birth_date: 'Дата рождения', snils: 'СНИЛС',
  other_identifiers: 'Другие документы', value: 'Значение',
  outgoing_number: 'Исходящий номер', sent_date: 'Дата отправки', expected_response_date: 'Ожидаемая дата ответа',
  full_name: 'ФИО', position: 'Должность', work_phone: 'Рабочий телефон', work_email: 'Рабочая эл. почта',
  obtained: 'Получено', document_reference: 'Документ', date: 'Дата', code: 'Код', name: 'Наименование',
  legal_act: 'Правовой акт', provision: 'Норма', service_registry_number: 'Номер услуги в реестре',
  postal_address: 'Почтовый адрес', email: 'Эл. почта', phone: 'Телефон', system_address: 'Адрес в системе',
  request_id: 'Запрос', response_id: 'Ответ', data: 'Ответ с данными', refusal: 'Отказ', reason: 'Причина',
  legal_basis: 'Правовое основание', explanation: 'Пояснение', clarification: 'Запрос уточнения', question: 'Вопрос',
  missing_items: 'Недостающие сведения', cannot_answer: 'Ответ невозможен', interim: 'Промежуточный статус',
  status_text: 'Статус', expected_answer_date: 'Ожидаемая дата ответа', text: 'Текст', event: 'Событие',
  subject: 'Подписант', certificate_sha256: 'Отпечаток сертификата', algorithm: 'Алгоритм', id: 'Код',
  version: 'Версия',
};

const linkFields = new Set(['request_id', 'response_id']);
const timestampPattern = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

function envelope(message, view) {
  const entries = Object.entries(message).filter(([name]) => name !== 'sealed_xml');
  const payloadNote = !message.request?.payload && !message.response?.data?.payload &&
      !message.supplement?.payload && num(view.payload_bytes) > 0
    ? h('p', {class: 'muted', testid: 'message-payload'},
      `Документ: ${num(view.payload_bytes)} байт (не показывается, пока данные скрыты)`)
    : null;
  return h('div', {testid: 'message-envelope'}, fieldList(entries, ''), payloadNote);
}

function fieldList(entries, path) {
  return h('dl', {class: 'fields'}, entries.map(([name, value]) => {
    const fieldPath = path ? `${path}.${name}` : name;
    return [h('dt', {}, fieldNames[name] ?? name),
      h('dd', {testid: `message-field-${fieldPath}`}, fieldValue(name, value, fieldPath))];
  }));
}

function fieldValue(name, value, path) {
  if (value === null || value === undefined) return '—';
  if (typeof value === 'boolean') return value ? 'да' : 'нет';
  if (typeof value === 'number') return String(value);
  if (Array.isArray(value)) {
    if (value.every((item) => typeof item !== 'object')) return value.map(String).join(', ');
    return h('ol', {class: 'plain'},
      value.map((item, index) => h('li', {}, fieldValue(name, item, `${path}.${index}`))));
  }
  if (typeof value === 'object') {
    if (Object.keys(value).length === 0) return '—';  // an empty message, e.g. a masked date of birth
    if ('year' in value && Object.keys(value).every((key) => ['year', 'month', 'day'].includes(key))) {
      return calendarDate(value);
    }
    if (name === 'information_type') return h('span', {class: 'code'}, informationType(value));
    return fieldList(Object.entries(value), path);
  }
  // A string.
  if (name === 'payload') return value ? payload(value) : '—';  // empty when masked (payload_bytes says how big)
  if (linkFields.has(name)) return messageLink(value);
  if (timestampPattern.test(value)) return dateTime(value);
  return anyEnumLabel(value) ?? value;
}

// bytes come base64-encoded; the documents are XML in UTF-8, shown as text behind a disclosure.
function payload(base64) {
  let text;
  try {
    const bytes = Uint8Array.from(atob(base64), (c) => c.charCodeAt(0));
    text = new TextDecoder('utf-8', {fatal: false}).decode(bytes);
  } catch {
    text = base64;
  }
  return h('details', {testid: 'message-payload'},
    h('summary', {}, `XML, ${text.length} символов`),
    h('pre', {class: 'xml'}, text));
}

function history(events) {
  if (events.length === 0) return h('p', {class: 'muted', testid: 'message-history'}, 'Событий нет.');
  return h('ol', {class: 'timeline', testid: 'message-history'}, events.map((event, index) => {
    const details = [
      event.attempt ? `попытка ${event.attempt}` : null,
      event.deadline_event ? label('deadlineEvent', event.deadline_event) : null,
      event.answer_due_at ? `срок до ${dateTime(event.answer_due_at)}` : null,
      // The JSON carries every enum, unset ones as *_UNSPECIFIED (labelled ''): only a real reason is shown.
      label('refusalReason', event.refusal_reason) ? `причина: ${label('refusalReason', event.refusal_reason)}` : null,
    ].filter(Boolean);
    return h('li', {testid: `message-history-event-${index}`,
      class: event.deadline_event === 'DEADLINE_EVENT_OVERDUE' ? 'alert' : null},
      h('time', {datetime: event.at ?? ''}, dateTimeSeconds(event.at)),
      h('span', {class: 'state', testid: `message-history-state-${index}`}, label('state', event.state)),
      h('span', {class: 'code', testid: `message-history-actor-${index}`}, event.actor || '—'),
      details.length ? h('span', {class: 'muted'}, details.join(', ')) : null,
      event.related_message_id ? h('span', {}, 'сообщение ', messageLink(event.related_message_id)) : null,
      event.note ? h('span', {class: 'note'}, event.note) : null);
  }));
}
