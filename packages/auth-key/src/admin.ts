export * from './admin-routes.js';
export * from './admin-input.js';
