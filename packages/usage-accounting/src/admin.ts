export * from './admin-routes.js';
export * from './admin-query.js';
