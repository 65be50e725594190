export { createPriceCatalogue, costOf, parseMicros, PriceError, type ModelPrice, type PriceCatalogue, type PriceInput, type TokenCounts } from './catalogue.js';
export { DEFAULT_PRICES } from './defaults.js';
