export * from './admin-router.js';
