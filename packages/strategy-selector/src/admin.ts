export { type RoutingAdminOptions, routingAdminRoutes } from './admin-routes.js';
