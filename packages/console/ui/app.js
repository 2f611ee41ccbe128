import { useEffect, useState } from 'preact/hooks';
import { html } from './lib/html.js';
import { loadSession, onSignedOut, signOut } from './lib/api.js';
import { useRoute } from './lib/router.js';
import { SignIn } from './pages/sign-in.js';
import { Dashboard } from './pages/dashboard.js';
import { Keys } from './pages/keys.js';
import { KeyDetail } from './pages/key-detail.js';
import { Logs } from './pages/logs.js';
import { LogDetail } from './pages/log-detail.js';
import { Playground } from './pages/playground.js';
import { Models } from './pages/models.js';
import { Usage } from './pages/usage.js';
import { Providers } from './pages/providers.js';
import { McpProfiles } from './pages/mcp.js';
import { Experiments } from './pages/experiments.js';
import { ExperimentDetail } from './pages/experiment-detail.js';
import { CanaryDetail } from './pages/canary-detail.js';

const NAV = [
  ['', 'Dashboard'],
  ['keys', 'API keys'],
  ['logs', 'Request logs'],
  ['playground', 'Playground'],
  ['models', 'Models'],
  ['usage', 'Usage'],
  ['providers', 'Providers'],
  ['mcp', 'MCP'],
  ['experiments', 'Experiments'],
];

function Page({ route, session }) {
  const [section, id] = route.parts;
  switch (section ?? '') {
    case '':
      return html`<${Dashboard} session=${session} />`;
    case 'keys':
      return id ? html`<${KeyDetail} id=${id} />` : html`<${Keys} create=${route.params.has('new')} />`;
    case 'logs':
      return id ? html`<${LogDetail} id=${id} />` : html`<${Logs} params=${route.params} />`;
    case 'playground':
      return html`<${Playground} session=${session} />`;
    case 'models':
      return html`<${Models} />`;
    case 'usage':
      return html`<${Usage} />`;
    case 'providers':
      return html`<${Providers} />`;
    case 'mcp':
      return html`<${McpProfiles} />`;
    case 'experiments':
      if (id === 'ab' && route.parts[2]) return html`<${ExperimentDetail} id=${route.parts[2]} />`;
      if (id === 'canary' && route.parts[2]) return html`<${CanaryDetail} id=${route.parts[2]} />`;
      return html`<${Experiments} create=${route.params.has('new') ? 'ab' : route.params.has('new-canary') ? 'canary' : null} />`;
    default:
      return html`<p>No page here. <a href="#/">Go to the dashboard</a>.</p>`;
  }
}

/** The shell: sign-in until a session exists, then navigation plus the routed page. */
export function App() {
  const [session, setSession] = useState(undefined);
  const [error, setError] = useState(undefined);
  const route = useRoute();
  useEffect(() => {
    loadSession().then(setSession, setError);
    return onSignedOut(() => setSession((s) => ({ ...s, signed_in: false })));
  }, []);
  useEffect(() => {
    const title = NAV.find(([path]) => path === (route.parts[0] ?? ''))?.[1];
    document.title = title ? `${title} · Switchyard Console` : 'Switchyard Console';
  }, [route]);

  if (error) return html`<main class="narrow"><p class="error" role="alert">The console could not reach its server: ${error.message}</p></main>`;
  if (!session) return html`<main class="narrow"><p class="muted">Loading…</p></main>`;
  if (!session.signed_in) return html`<${SignIn} session=${session} onSignedIn=${setSession} />`;

  const current = route.parts[0] ?? '';
  const leave = async () => {
    await signOut();
    setSession(await loadSession());
  };
  return html`<div class="shell">
    <a class="skip" href="#main" onClick=${(e) => {
      e.preventDefault();
      document.getElementById('main')?.focus();
    }}>Skip to content</a>
    <header class="top">
      <a class="brand" href="#/">Switchyard</a>
      <nav aria-label="Console">
        <ul>
          ${NAV.map(([path, label]) => html`<li><a href=${`#/${path}`} aria-current=${current === path ? 'page' : undefined}>${label}</a></li>`)}
        </ul>
      </nav>
      <div class="who">
        <span class="muted">${session.principal?.name}</span>
        ${session.can_sign_out ? html`<button type="button" onClick=${leave}>Sign out</button>` : null}
      </div>
    </header>
    <main id="main" tabindex="-1"><${Page} route=${route} session=${session} /></main>
  </div>`;
}
