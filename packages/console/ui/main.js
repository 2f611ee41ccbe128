import { render } from 'preact';
import { html } from './lib/html.js';
import { App } from './app.js';
import './styles.css';

const root = document.getElementById('app');
root.textContent = ''; // the boot message is static HTML, not Preact's to diff
render(html`<${App} />`, root);
