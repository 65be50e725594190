export { createCatalogue, pickDeployment, CatalogueError, type Catalogue, type CatalogueModel, type ModelType } from './catalogue.js';
