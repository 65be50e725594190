import { createRequire } from 'node:module';
import type Stripe from 'stripe';

const require = createRequire(import.meta.url);

/**
 * The stripe SDK, loaded the first time it is needed (an instance without
 * Stripe never loads its hundreds of modules). Its CommonJS build loads synchronously.
 */
export function stripeSdk(): typeof Stripe {
  return require('stripe') as typeof Stripe;
}
