export { type UsageAdminOptions, usageAdminRoutes } from './admin-routes.js';
