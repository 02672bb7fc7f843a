// A confirmation before an action that changes something or is recorded (requeue, reveal). A modal <dialog>: it
// keeps focus inside, Escape cancels, and the browser's own confirm() would not carry test ids.
import {h} from './dom.js';

// Resolves true when the operator confirms, false when they cancel or press Escape.
export function confirmAction({title, text, confirmLabel, danger = false}) {
  return new Promise((resolve) => {
    const ok = h('button', {type: 'button', class: danger ? 'danger' : 'primary', testid: 'confirm-dialog-ok'},
      confirmLabel);
    const cancel = h('button', {type: 'button', testid: 'confirm-dialog-cancel'}, 'Отмена');
    const dialog = h('dialog', {class: 'dialog', testid: 'confirm-dialog', 'aria-labelledby': 'confirm-dialog-title'},
      h('h2', {id: 'confirm-dialog-title'}, title),
      h('p', {testid: 'confirm-dialog-text'}, text),
      h('div', {class: 'actions'}, cancel, ok));
    let answer = false;
    ok.addEventListener('click', () => {
      answer = true;
      dialog.close();
    });
    cancel.addEventListener('click', () => dialog.close());
    dialog.addEventListener('close', () => {
      dialog.remove();
      resolve(answer);
    });
    document.body.append(dialog);
    dialog.showModal();
    cancel.focus();  // the safe choice is the default one
  });
}
