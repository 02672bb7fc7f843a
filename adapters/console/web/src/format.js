// Dates, durations, numbers and enum names as the console shows them. Dates are local time, ISO-like
// ("2026-11-24 18:05"), so that they sort and read the same on every operator's screen.

const pad = (n) => String(n).padStart(2, '0');

// An RFC 3339 timestamp (absent: "—") as "YYYY-MM-DD HH:MM" in local time.
export function dateTime(timestamp) {
  const date = parseTime(timestamp);
  if (!date) return '—';
  return `${localDay(date)} ${pad(date.getHours())}:${pad(date.getMinutes())}`;
}

// With seconds, for logs where order within a minute matters (history, audit).
export function dateTimeSeconds(timestamp) {
  const date = parseTime(timestamp);
  if (!date) return '—';
  return `${dateTime(timestamp)}:${pad(date.getSeconds())}`;
}

export function timeOfDay(timestamp) {
  const date = parseTime(timestamp);
  return date ? `${pad(date.getHours())}:${pad(date.getMinutes())}` : '';
}

// A local calendar day "YYYY-MM-DD" (for date inputs and the report's custom range).
export function localDay(date) {
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

// mezhved.v1.Date {year, month, day} as "YYYY-MM-DD".
export function calendarDate(value) {
  if (!value || !value.year) return '—';
  return `${String(value.year).padStart(4, '0')}-${pad(value.month || 0)}-${pad(value.day || 0)}`;
}

export function parseTime(timestamp) {
  if (!timestamp) return null;
  const date = new Date(timestamp);
  return Number.isNaN(date.getTime()) ? null : date;
}

// Milliseconds as "3 ч 12 мин", "2 д 5 ч", "12 мин", "< 1 мин".
export function duration(ms) {
  if (!(ms > 0)) return '—';
  const minutes = Math.floor(ms / 60000);
  if (minutes < 1) return '< 1 мин';
  const days = Math.floor(minutes / 1440);
  const hours = Math.floor((minutes % 1440) / 60);
  const rest = minutes % 60;
  if (days > 0) return hours > 0 ? `${days} д ${hours} ч` : `${days} д`;
  if (hours > 0) return rest > 0 ? `${hours} ч ${rest} мин` : `${hours} ч`;
  return `${rest} мин`;
}

// The age of `timestamp` at `now` (a timestamp too: the server's clock, not the browser's).
export function age(timestamp, now) {
  const then = parseTime(timestamp);
  if (!then) return '—';
  const reference = parseTime(now) ?? new Date();
  return duration(reference.getTime() - then.getTime());
}

// 64-bit integers come as strings, absent ones as nothing.
export const num = (value) => Number(value ?? 0) || 0;

// Working days: "1 раб. день", "3 раб. дня", "5 раб. дней".
export const workingDays = (n) => `${n} ${plural(n, 'раб. день', 'раб. дня', 'раб. дней')}`;

// Russian plural: plural(5, 'сообщение', 'сообщения', 'сообщений') -> 'сообщений'.
export function plural(n, one, few, many) {
  const tens = Math.abs(n) % 100;
  const units = tens % 10;
  if (tens > 10 && tens < 20) return many;
  if (units === 1) return one;
  if (units >= 2 && units <= 4) return few;
  return many;
}

// A share 0..1 as "87,5 %"; no share when nothing was counted.
export function percent(share) {
  if (share === null || share === undefined || Number.isNaN(share)) return '—';
  return `${(share * 100).toFixed(1).replace('.', ',')} %`;
}

export function decimal(value, digits = 1) {
  const n = Number(value ?? 0);
  return n ? n.toFixed(digits).replace('.', ',') : '—';
}

export function informationType(ref) {
  if (!ref || !ref.id) return '—';
  return ref.version ? `${ref.id} v${ref.version}` : ref.id;
}

// --- enum names to Russian labels; an unknown name (a newer server) shows as it is ---

const labels = {
  state: {
    MESSAGE_STATE_UNSPECIFIED: '—',
    MESSAGE_STATE_ACCEPTED: 'Принято',
    MESSAGE_STATE_DELIVERED: 'Выдано получателю',
    MESSAGE_STATE_ACKNOWLEDGED: 'Получено',
    MESSAGE_STATE_DEAD_LETTERED: 'Не доставлено',
    MESSAGE_STATE_IN_PROGRESS: 'В работе',
    MESSAGE_STATE_CLARIFICATION_REQUESTED: 'Запрошено уточнение',
    MESSAGE_STATE_ANSWERED: 'Дан ответ',
    MESSAGE_STATE_REFUSED: 'Отказ',
    MESSAGE_STATE_CANNOT_ANSWER: 'Ответ невозможен',
    MESSAGE_STATE_SUPPLEMENTED: 'Уточнение направлено',
  },
  kind: {
    MESSAGE_KIND_UNSPECIFIED: '—',
    MESSAGE_KIND_REQUEST: 'Запрос',
    MESSAGE_KIND_RESPONSE: 'Ответ',
    MESSAGE_KIND_SUPPLEMENT: 'Дополнение',
    MESSAGE_KIND_NOTICE: 'Уведомление',
  },
  deadlineStatus: {
    DEADLINE_STATUS_UNSPECIFIED: 'Срок не установлен',
    DEADLINE_STATUS_RUNNING: 'Срок идёт',
    DEADLINE_STATUS_DUE_SOON: 'Срок истекает',
    DEADLINE_STATUS_OVERDUE: 'Просрочен',
    DEADLINE_STATUS_STOPPED: 'Срок остановлен',
  },
  deadlineEvent: {
    DEADLINE_EVENT_UNSPECIFIED: '',
    DEADLINE_EVENT_DUE_SOON: 'срок истекает',
    DEADLINE_EVENT_OVERDUE: 'срок просрочен',
    DEADLINE_EVENT_STOPPED: 'срок остановлен',
    DEADLINE_EVENT_RESTARTED: 'срок начат заново',
  },
  deadlineKind: {
    DEADLINE_KIND_UNSPECIFIED: '—',
    DEADLINE_KIND_ANSWER: 'ответ адресата',
    DEADLINE_KIND_CITIZEN_COPY: 'копия ответа гражданину',
  },
  channel: {
    CHANNEL_UNSPECIFIED: 'Электронно',
    CHANNEL_PAPER: 'На бумаге',
    CHANNEL_FAX: 'Факс',
  },
  sealVerdict: {
    SEAL_VERDICT_UNSPECIFIED: 'Не проверена',
    SEAL_VERDICT_VALID: 'Печать верна',
    SEAL_VERDICT_UNSEALED: 'Без печати',
    SEAL_VERDICT_SIGNATURE_FAILED: 'Подпись печати не сходится',
    SEAL_VERDICT_CONTENT_MISMATCH: 'Сообщение не совпадает с опечатанным',
  },
  refusalReason: {
    REFUSAL_REASON_UNSPECIFIED: '',
    REFUSAL_REASON_NO_DATA: 'нет сведений',
    REFUSAL_REASON_ACCESS_DENIED: 'нет права на сведения',
    REFUSAL_REASON_CONTRADICTS_LAW: 'противоречит закону',
    REFUSAL_REASON_UNKNOWN_REQUEST: 'запрос не распознан',
    REFUSAL_REASON_FAILURE: 'сбой системы адресата',
  },
  cannotAnswerReason: {
    CANNOT_ANSWER_REASON_UNSPECIFIED: '',
    CANNOT_ANSWER_REASON_NO_DATA: 'сведения не хранятся',
    CANNOT_ANSWER_REASON_CITIZEN_NOT_FOUND: 'гражданин не найден',
    CANNOT_ANSWER_REASON_OTHER: 'другое',
  },
  role: {
    OPERATOR_ROLE_UNSPECIFIED: 'оператор',
    OPERATOR_ROLE_OPERATOR: 'оператор',
    OPERATOR_ROLE_SUPERVISOR: 'руководитель',
    OPERATOR_ROLE_AUDITOR: 'аудитор',
    OPERATOR_ROLE_ADMINISTRATOR: 'администратор',
  },
  agencyKind: {
    AGENCY_KIND_UNSPECIFIED: '—',
    AGENCY_KIND_SOCIAL_PROTECTION: 'соцзащита',
    AGENCY_KIND_HEALTH: 'здравоохранение',
    AGENCY_KIND_EDUCATION: 'образование',
    AGENCY_KIND_LABOUR: 'труд и занятость',
    AGENCY_KIND_CIVIL_REGISTRY: 'ЗАГС',
    AGENCY_KIND_CULTURE: 'культура',
    AGENCY_KIND_SPORT: 'спорт',
    AGENCY_KIND_YOUTH_POLICY: 'молодёжная политика',
    AGENCY_KIND_HOUSING: 'ЖКХ',
    AGENCY_KIND_PROPERTY: 'имущество',
    AGENCY_KIND_AGRICULTURE: 'сельское хозяйство',
    AGENCY_KIND_CONSTRUCTION_TRANSPORT: 'строительство и транспорт',
    AGENCY_KIND_LAW_AND_ORDER: 'правопорядок',
    AGENCY_KIND_FEDERAL_BODY: 'федеральный орган',
    AGENCY_KIND_EXTRABUDGETARY_FUND: 'внебюджетный фонд',
    AGENCY_KIND_MEDICAL_SOCIAL_EXPERTISE: 'медико-социальная экспертиза',
    AGENCY_KIND_LOCAL_GOVERNMENT: 'местное самоуправление',
    AGENCY_KIND_SERVICE_PROVIDER: 'поставщик социальных услуг',
    AGENCY_KIND_MFC: 'МФЦ',
    AGENCY_KIND_OTHER: 'другое',
  },
  auditAction: {
    sign_in: 'вход',
    sign_in_failed: 'неудачный вход',
    locked_out: 'вход заблокирован',
    sign_out: 'выход',
    requeue: 'возврат в очередь',
    reveal: 'просмотр персональных данных',
    register_paper: 'регистрация бумажного запроса',
    record_original: 'получен оригинал',
    agreements_recorded: 'записаны соглашения',
  },
  requeueError: {
    NOT_FOUND: 'сообщение не найдено',
    NOT_DEAD_LETTERED: 'уже не в недоставленных',
  },
  authenticatedBy: {
    password: 'по паролю',
    certificate: 'по сертификату',
    loopback: 'пробный режим',
  },
};

// label('state', 'MESSAGE_STATE_ACCEPTED') -> 'Принято'; absent means the zero value of the enum.
export function label(kind, value) {
  const map = labels[kind] ?? {};
  if (value === undefined || value === null || value === '') {
    const zero = Object.keys(map).find((name) => name.endsWith('_UNSPECIFIED'));
    return zero ? map[zero] : '';
  }
  return map[value] ?? String(value);
}

// Every name of an enum, for filter selects, without its zero value.
export function enumNames(kind) {
  return Object.keys(labels[kind] ?? {}).filter((name) => !name.endsWith('_UNSPECIFIED'));
}

// The label of an enum value whatever its enum (the envelope is shown generically); null when none knows it.
export function anyEnumLabel(value) {
  if (!/^[A-Z][A-Z0-9_]+$/.test(value)) return null;
  for (const map of Object.values(labels)) {
    if (Object.hasOwn(map, value) && map[value]) return map[value];
  }
  return null;
}
