import { useEffect, useRef, useState } from 'preact/hooks';
import { html } from '../lib/html.js';

/**
 * A modal built on the native <dialog>: focus moves in and is trapped, Escape closes, and the
 * title labels it for screen readers.
 */
export function Dialog({ title, onClose, children, wide }) {
  const ref = useRef(null);
  useEffect(() => {
    const dialog = ref.current;
    if (dialog && !dialog.open) dialog.showModal();
    return () => dialog?.open && dialog.close();
  }, []);
  const id = `dialog-${title.replace(/\W+/g, '-').toLowerCase()}`;
  return html`<dialog ref=${ref} class=${wide ? 'wide' : ''} aria-labelledby=${id} onCancel=${(e) => {
    e.preventDefault();
    onClose();
  }}>
    <h2 id=${id}>${title}</h2>
    ${children}
  </dialog>`;
}

/** "Are you sure?" with the dangerous action named on its button. */
export function Confirm({ title, message, action, onConfirm, onClose, busy }) {
  return html`<${Dialog} title=${title} onClose=${onClose}>
    <p>${message}</p>
    <div class="actions">
      <button type="button" onClick=${onClose}>Cancel</button>
      <button type="button" class="danger" disabled=${busy} onClick=${onConfirm}>${action}</button>
    </div>
  <//>`;
}

/**
 * A dialog around one form: `action(form)` runs on submit with the button disabled; what it
 * throws is shown above the buttons (the server's own words) and the form stays as typed. On
 * success the action moves on itself (navigates, or closes the dialog).
 */
export function FormDialog({ title, submitLabel, action, onClose, wide, children }) {
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      await action(e.currentTarget);
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return html`<${Dialog} title=${title} onClose=${onClose} wide=${wide}>
    <form onSubmit=${submit}>
      ${children}
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <div class="actions">
        <button type="button" onClick=${onClose}>Cancel</button>
        <button type="submit" class="primary" disabled=${busy}>${submitLabel}</button>
      </div>
    </form>
  <//>`;
}
