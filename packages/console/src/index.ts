export { createConsole, type Console, type ConsoleRequest, type ConsoleResult } from './console.js';
export type { ConsoleOptions } from './options.js';
export { memorySessionStore, type ConsolePrincipal, type ConsoleSession, type ConsoleSessionStore } from './session-store.js';
export { SECURITY_HEADERS } from './assets.js';
