/**
 * A payment network behind one small interface: save a card as a reusable
 * token, and charge a saved token an amount in cents exactly once per
 * idempotency key. Two implementations: `test` (embedded, Stripe's public test
 * cards) and `stripe` (the stripe SDK: SetupIntents and PaymentIntents).
 * Tollgate keeps only the token, the brand, the last 4 digits and the expiry.
 */
export interface SavedCard {
  /** The provider's reusable reference (a Stripe PaymentMethod id, or the test provider's token). */
  token: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface CardInput {
  number: string;
  expMonth: number;
  expYear: number;
  cvc: string;
}

export interface ChargeInput {
  organizationId: string;
  /** The provider's customer, when it has customers (Stripe). */
  customerRef: string | null;
  token: string;
  amountCents: bigint;
  /** The same key never charges twice: a repeated call answers with the first outcome. */
  idempotencyKey: string;
  /** True when nobody is present to authenticate (auto-recharge). */
  offSession: boolean;
  description: string;
  purchaseId: string;
}

export type ChargeResult =
  | { status: 'succeeded'; chargeRef: string }
  /** The customer must act (3-D Secure) or the network is still working: a webhook settles it. */
  | { status: 'requires_action'; chargeRef: string; clientSecret: string | null }
  | { status: 'failed'; chargeRef: string | null; code: string; message: string };

/** Where the customer completes adding a card with the provider's own page or script (Stripe.js). */
export interface CardSetup {
  setupRef: string;
  clientSecret: string;
  customerRef: string;
  publishableKey: string | null;
}

export interface PaymentProvider {
  readonly name: 'test' | 'stripe';
  /** Card details sent to Tollgate itself (the test provider only: a real provider never lets card numbers reach the merchant). */
  tokenizeCard?(organizationId: string, card: CardInput, now: number): Promise<SavedCard>;
  /** Starts saving a card with the provider (Stripe: a SetupIntent for off-session use). */
  startCardSetup?(organizationId: string, customerRef: string): Promise<CardSetup>;
  /** The card a completed setup saved; throws a PaymentError when it is not complete or not this customer's. */
  finishCardSetup?(customerRef: string, setupRef: string): Promise<SavedCard>;
  /** The provider's customer of an organization, created once (idempotently) when needed. */
  ensureCustomer?(organizationId: string, name: string): Promise<string>;
  forgetCard?(token: string): Promise<void>;
  charge(input: ChargeInput): Promise<ChargeResult>;
}

/** A refusal from the provider or of the card data, with a code a client can act on. */
export class PaymentError extends Error {
  override readonly name = 'PaymentError';
  constructor(
    readonly code: string,
    message: string,
    /** The request field at fault, when it is one. */
    readonly param: string | null = null,
  ) {
    super(message);
  }
}
