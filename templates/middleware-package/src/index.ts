export { templateName, type TemplateNameOptions } from './NAME.js';
