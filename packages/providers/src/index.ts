export * from './transport.js';
export * from './adapter.js';
export * from './provider-error.js';
