export * from './admin-router.js';
export * from './admin-input.js';
