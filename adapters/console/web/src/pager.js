// Paging over the API's page tokens, which only go forward: the tokens of the pages already seen are kept on a
// stack so that "previous" can ask for them again.
import {h} from './dom.js';

// `load(token)` fetches and shows one page and resolves to its next_page_token ('' on the last page); it shows its
// own errors (and then resolves to '').
// Test ids: <prefix>-prev, <prefix>-next, <prefix>-page.
export function makePager(prefix, load) {
  const tokens = [''];
  let index = 0;
  let nextToken = '';
  let busy = false;
  const previous = h('button', {type: 'button', testid: `${prefix}-prev`, disabled: true}, '← Назад');
  const next = h('button', {type: 'button', testid: `${prefix}-next`, disabled: true}, 'Дальше →');
  const page = h('span', {class: 'muted', testid: `${prefix}-page`, 'aria-live': 'polite'}, 'Страница 1');
  const element = h('div', {class: 'pager'}, previous, page, next);

  const refresh = () => {
    previous.disabled = busy || index === 0;
    next.disabled = busy || !nextToken;
    page.textContent = `Страница ${index + 1}`;
  };
  const show = async (newIndex) => {
    busy = true;
    refresh();
    try {
      nextToken = (await load(tokens[newIndex])) || '';
    } catch (error) {
      nextToken = '';
      console.error(error);
    } finally {
      index = newIndex;
      busy = false;
      refresh();
    }
  };
  previous.addEventListener('click', () => show(index - 1));
  next.addEventListener('click', () => {
    tokens[index + 1] = nextToken;
    tokens.length = index + 2;
    show(index + 1);
  });
  return {
    element,
    first: () => { tokens.length = 1; return show(0); },
    reload: () => show(index),  // the same page again, e.g. after a requeue
  };
}
