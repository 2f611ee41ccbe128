import { useState } from 'preact/hooks';
import { html } from '../lib/html.js';
import { signIn } from '../lib/api.js';

export function SignIn({ session, onSignedIn }) {
  const [token, setToken] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  if (!session.token_sign_in) {
    return html`<main class="narrow"><h1>Switchyard Console</h1><p role="alert">You are not signed in to the application that hosts this console.</p></main>`;
  }
  const submit = async (e) => {
    e.preventDefault();
    setBusy(true);
    setError('');
    try {
      onSignedIn(await signIn(token));
    } catch (err) {
      setError(err.message);
      setBusy(false);
    }
  };
  return html`<main class="narrow sign-in">
    <h1>Switchyard Console</h1>
    <form onSubmit=${submit} class="card">
      <label for="admin-token">Admin token</label>
      <input id="admin-token" type="password" autocomplete="current-password" required value=${token} onInput=${(e) => setToken(e.currentTarget.value)} autofocus />
      <p class="hint">The value of <code>SWITCHYARD_ADMIN_TOKEN</code>. It is exchanged for a session cookie and not stored in the browser.</p>
      ${error ? html`<p class="error" role="alert">${error}</p>` : null}
      <button type="submit" class="primary" disabled=${busy}>Sign in</button>
    </form>
  </main>`;
}
