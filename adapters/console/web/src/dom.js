import {dateTime} from './format.js';

// Building the DOM. Everything the pages show comes from agencies' systems and operators (names, notes, error
// texts), so it only ever goes in as text nodes and attribute values: no innerHTML anywhere in the console.

// h('a', {href: '#/x', testid: 'nav-x', onclick: f}, 'text', child, [more, children]).
// Attributes: `class`, `testid` (data-testid), `on<event>` (listeners), `hidden`/`disabled`/`checked`/`value`/
// `selected` (properties), anything else by setAttribute; null, undefined and false leave an attribute out.
export function h(tag, attributes = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(attributes ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (name === 'testid') {
      if (value !== '') element.dataset.testid = value;
    } else if (name.startsWith('on') && typeof value === 'function') {
      element.addEventListener(name.slice(2), value);
    } else if (['hidden', 'disabled', 'checked', 'value', 'selected', 'open'].includes(name)) {
      element[name] = value;
    } else {
      element.setAttribute(name, value === true ? '' : String(value));
    }
  }
  append(element, children);
  return element;
}

export function append(parent, children) {
  for (const child of [children].flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return parent;
}

// Replaces every child of `parent`.
export function replace(parent, ...children) {
  parent.replaceChildren();
  return append(parent, children);
}

// A table: columns [{label, numeric?}], rows already built as <tr>. Headers get scope="col" for screen readers.
export function table(testid, columns, rows, caption) {
  return h('table', {class: 'grid', testid},
    caption ? h('caption', {}, caption) : null,
    h('thead', {}, h('tr', {}, columns.map((column) =>
      h('th', {scope: 'col', class: column.numeric ? 'num' : null}, column.label)))),
    h('tbody', {}, rows));
}

// A row whose first cell heads it (scope="row"); a cell is a value or {value, numeric, testid, class}.
export function row(attributes, cells) {
  return h('tr', attributes, cells.map((cell, index) => {
    const spec = isCellSpec(cell) ? cell : {value: cell};
    const classes = [spec.numeric ? 'num' : null, spec.class].filter(Boolean).join(' ') || null;
    return h(index === 0 ? 'th' : 'td', {scope: index === 0 ? 'row' : null, class: classes, testid: spec.testid},
      spec.value);
  }));
}

function isCellSpec(cell) {
  return cell !== null && typeof cell === 'object' && !(cell instanceof Node) && !Array.isArray(cell) &&
      'value' in cell;
}

// A definition list from [term, value, testid?] entries; entries with an empty value are left out.
export function definitions(testid, entries) {
  return h('dl', {class: 'fields', testid}, entries
    .filter(([, value]) => value !== null && value !== undefined && value !== '')
    .map(([term, value, valueTestid]) => [h('dt', {}, term), h('dd', {testid: valueTestid}, value)]));
}

// The box that says a load failed, naming the gateway's stable code when there is one.
export function errorBox(error, testid = 'page-error') {
  const code = error?.code ? ` (${error.code})` : '';
  return h('p', {class: 'error', role: 'alert', testid}, `${error?.message || 'Ошибка'}${code}`);
}

// A timestamp as a <time> element that does not wrap in a table cell; `format` defaults to date and minutes.
export function when(timestamp, format = dateTime) {
  return h('time', {datetime: timestamp || null, class: 'when'}, format(timestamp));
}
