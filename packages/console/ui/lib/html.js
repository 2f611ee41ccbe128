import { h } from 'preact';
import htm from 'htm';

/**
 * JSX-like templates without a compile step: html`<p>${text}</p>`.
 *
 * Forms seeded from server data are uncontrolled: fields take `defaultValue` (options
 * `selected`) and the form is keyed by its seed, so new data re-seeds it. A `value=` with no
 * input handler is written back on every render, and a page whose other loads finish later would
 * undo what the user has typed.
 */
export const html = htm.bind(h);
