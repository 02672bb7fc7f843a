// Signing in with a name and password. Operators with a client certificate, and the loopback trial, never see it:
// GET /api/v1/session already answers for them.
import * as api from '../api.js';
import {h, replace} from '../dom.js';

export function mount(root, context) {
  const name = h('input', {id: 'login-name', name: 'name', type: 'text', autocomplete: 'username', required: true,
    autocapitalize: 'none', spellcheck: 'false', testid: 'login-name'});
  const password = h('input', {id: 'login-password', name: 'password', type: 'password', required: true,
    autocomplete: 'current-password', testid: 'login-password'});
  const submit = h('button', {type: 'submit', class: 'primary', testid: 'login-submit'}, 'Войти');
  const error = h('p', {class: 'error', role: 'alert', testid: 'login-error', hidden: true});
  const notice = h('div', {class: 'notice', testid: 'login-notice', 'aria-live': 'polite'});
  const form = h('form', {class: 'login', testid: 'login-form', 'aria-labelledby': 'login-title'},
    h('h1', {id: 'login-title', testid: 'page-title'}, 'Вход в консоль'),
    notice,
    h('label', {for: 'login-name'}, 'Имя'), name,
    h('label', {for: 'login-password'}, 'Пароль'), password,
    error,
    h('div', {class: 'actions'}, submit));

  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    error.hidden = true;
    notice.replaceChildren();  // "you signed out", "the session ended": no longer news
    submit.disabled = true;
    try {
      const session = await api.request('POST', '/api/v1/session', {name: name.value.trim(), password: password.value},
        {signIn: true});
      context.onSignedIn(session);
    } catch (failure) {
      // 401: wrong name or password; 429 LOCKED_OUT: the server's message says for how long.
      const text = failure.status === 401 ? 'Неверное имя или пароль.' : failure.message;
      replace(error, text, failure.code && failure.status !== 401 ? ` (${failure.code})` : '');
      error.hidden = false;
      password.value = '';
      password.focus();
    } finally {
      submit.disabled = false;
    }
  });

  replace(root, form);
  name.focus();
}
