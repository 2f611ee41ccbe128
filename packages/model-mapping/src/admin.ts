export * from './admin-routes.js';
