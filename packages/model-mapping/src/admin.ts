export { type CatalogAdminOptions, catalogAdminRoutes } from './admin-routes.js';
