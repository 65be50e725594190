export { createPriceCatalogue, costOf, parseMicros, PriceError, type ModelPrice, type PriceCatalogue, type PriceInput, type TokenCounts } from './catalogue.js';
export { DEFAULT_PRICES } from './defaults.js';
export { compare, estimate, estimateFor, displayTokens, displayUsd, exactUsd, EstimateError, MONTH_DESCRIPTION, wholeTokens, type Comparison, type ModelEstimate, type TokenAverage, type Workload } from './estimator.js';
export { countSampleFile, countSampleItems, type SampleCounts } from './sample.js';
export { pricingRoutes, type PricingDeps } from './routes.js';
