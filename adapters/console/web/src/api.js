// The console's JSON API (proto/mezhved/v1/console.proto): fetch with the session cookie, the CSRF header on every
// change, and failures as ApiError with the gateway's stable code. JSON is protobuf's mapping: snake_case field names,
// enums by name, 64-bit integers as strings, absent fields are zero.

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.name = 'ApiError';
    this.status = status;  // HTTP status; 0 when the server could not be reached
    this.code = code;      // e.g. "LOCKED_OUT", "NOT_FOUND"
  }
}

let csrfToken = '';
let onUnauthorized = () => {};

export function setCsrfToken(token) {
  csrfToken = token || '';
}

// Called when the session has ended (401 on anything but signing in): the app shows the sign-in form.
export function setUnauthorizedHandler(handler) {
  onUnauthorized = handler;
}

// "/api/v1/x" with the parameters that have a value, in the given order.
export function withQuery(path, parameters = {}) {
  const query = new URLSearchParams();
  for (const [name, value] of Object.entries(parameters)) {
    if (value !== undefined && value !== null && value !== '') query.set(name, String(value));
  }
  const text = query.toString();
  return text ? `${path}?${text}` : path;
}

export async function request(method, path, body, {signIn = false} = {}) {
  const headers = {Accept: 'application/json'};
  if (method !== 'GET') headers['X-CSRF-Token'] = csrfToken;
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  let response;
  try {
    response = await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
    });
  } catch (error) {
    throw new ApiError(0, 'UNREACHABLE', 'Нет связи с сервером');
  }
  const text = await response.text();
  let data = {};
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      // A proxy's HTML error page, or a server without the console's API.
      if (response.ok) throw new ApiError(response.status, 'BAD_RESPONSE', 'Сервер ответил не в формате JSON');
      data = {};
    }
  }
  if (!response.ok) {
    const error = new ApiError(response.status, data.code || `HTTP_${response.status}`,
      data.message || defaultMessage(response.status));
    if (response.status === 401 && !signIn) onUnauthorized(error);
    throw error;
  }
  return data;
}

export const get = (path, parameters) => request('GET', withQuery(path, parameters));
export const post = (path, body) => request('POST', path, body ?? {});
export const del = (path) => request('DELETE', path);

function defaultMessage(status) {
  switch (status) {
    case 400: return 'Неверный запрос';
    case 401: return 'Нужно войти';
    case 403: return 'Недостаточно прав';
    case 404: return 'Не найдено';
    case 409: return 'Конфликт: данные изменились';
    case 429: return 'Слишком много попыток, подождите';
    case 503: return 'Шлюз недоступен';
    default: return `Ошибка сервера (${status})`;
  }
}
