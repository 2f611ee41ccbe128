export { type KeysAdminOptions, keysAdminRoutes } from './admin-routes.js';
