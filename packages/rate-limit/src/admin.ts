export { type LimitsAdminOptions, limitsAdminRoutes } from './admin-routes.js';
