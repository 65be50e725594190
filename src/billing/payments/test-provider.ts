import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { Database } from '../../store/index.js';
import { PaymentError, type CardInput, type ChargeInput, type ChargeResult, type PaymentProvider, type SavedCard } from './provider.js';

/**
 * The embedded payment provider: Stripe's public test card numbers behave as
 * they do in Stripe's test mode (https://docs.stripe.com/testing), so the
 * whole billing cycle runs with no payment network. A card is checked (Luhn,
 * expiry, CVC), then only a token, the brand, the last 4 and the expiry are
 * kept. As with Stripe's `pm_card_chargeDeclined`, the token names how the
 * card behaves when charged; it holds nothing of the card number.
 */
type Outcome = 'ok' | 'card_declined' | 'insufficient_funds' | 'lost_card' | 'expired_card' | 'incorrect_cvc' | 'processing_error';

const TEST_CARDS: Record<string, { brand: string; outcome: Outcome }> = {
  '4242424242424242': { brand: 'visa', outcome: 'ok' },
  '4000056655665556': { brand: 'visa', outcome: 'ok' },
  '5555555555554444': { brand: 'mastercard', outcome: 'ok' },
  '2223003122003222': { brand: 'mastercard', outcome: 'ok' },
  '5200828282828210': { brand: 'mastercard', outcome: 'ok' },
  '378282246310005': { brand: 'amex', outcome: 'ok' },
  '371449635398431': { brand: 'amex', outcome: 'ok' },
  '6011111111111117': { brand: 'discover', outcome: 'ok' },
  '3056930009020004': { brand: 'diners', outcome: 'ok' },
  '3566002020360505': { brand: 'jcb', outcome: 'ok' },
  '6200000000000005': { brand: 'unionpay', outcome: 'ok' },
  // Declines, charged after the card was saved (as Stripe's 4000 0000 0000 0341 behaves).
  '4000000000000002': { brand: 'visa', outcome: 'card_declined' },
  '4000000000000341': { brand: 'visa', outcome: 'card_declined' },
  '4000000000009995': { brand: 'visa', outcome: 'insufficient_funds' },
  '4000000000009987': { brand: 'visa', outcome: 'lost_card' },
  '4000000000000069': { brand: 'visa', outcome: 'expired_card' },
  '4000000000000127': { brand: 'visa', outcome: 'incorrect_cvc' },
  '4000000000000119': { brand: 'visa', outcome: 'processing_error' },
};

/** Stripe's messages for each decline. */
const DECLINES: Record<Exclude<Outcome, 'ok'>, string> = {
  card_declined: 'Your card was declined.',
  insufficient_funds: 'Your card has insufficient funds.',
  lost_card: 'Your card was declined.',
  expired_card: 'Your card has expired.',
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: 'An error occurred while processing your card. Try again in a little bit.',
};

export function luhnValid(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) {
      d *= 2;
      if (d > 9) d -= 9;
    }
    sum += d;
  }
  return sum % 10 === 0;
}

/** Checks a card as Stripe does before tokenizing it; answers with Stripe's codes and messages. */
export function checkCard(card: CardInput, now: number): { number: string; brand: string; outcome: Outcome } {
  const number = card.number.replace(/[\s-]/g, '');
  if (!/^\d{12,19}$/.test(number) || !luhnValid(number)) throw new PaymentError('incorrect_number', 'Your card number is incorrect.', 'card.number');
  if (!Number.isInteger(card.expMonth) || card.expMonth < 1 || card.expMonth > 12) {
    throw new PaymentError('invalid_expiry_month', "Your card's expiration month is invalid.", 'card.exp_month');
  }
  const today = new Date(now);
  const year = today.getUTCFullYear();
  if (!Number.isInteger(card.expYear) || card.expYear > year + 50) throw new PaymentError('invalid_expiry_year', "Your card's expiration year is invalid.", 'card.exp_year');
  if (card.expYear < year || (card.expYear === year && card.expMonth < today.getUTCMonth() + 1)) {
    throw new PaymentError('invalid_expiry_year', "Your card's expiration date is in the past.", 'card.exp_year');
  }
  const known = TEST_CARDS[number];
  if (!known) {
    throw new PaymentError('card_declined', 'Your card was declined. The test payment provider accepts only the public test card numbers (e.g. 4242 4242 4242 4242).', 'card.number');
  }
  const cvcLength = known.brand === 'amex' ? 4 : 3;
  if (!new RegExp(`^\\d{${cvcLength}}$`).test(card.cvc)) throw new PaymentError('invalid_cvc', "Your card's security code is invalid.", 'card.cvc');
  return { number, ...known };
}

export function createTestPaymentProvider(db: Kysely<Database>): PaymentProvider {
  return {
    name: 'test',

    async tokenizeCard(_organizationId, card, now): Promise<SavedCard> {
      const { number, brand, outcome } = checkCard(card, now);
      return { token: `pm_test_${randomBytes(12).toString('hex')}_${outcome}`, brand, last4: number.slice(-4), expMonth: card.expMonth, expYear: card.expYear };
    },

    async charge(input: ChargeInput): Promise<ChargeResult> {
      const outcome = (/^pm_test_[0-9a-f]{24}_([a-z_]+)$/.exec(input.token)?.[1] ?? 'card_declined') as Outcome;
      const chargeRef = `ch_test_${randomBytes(12).toString('hex')}`;
      // The network's memory of idempotency keys: the first outcome for a key is the outcome for ever.
      await db
        .insertInto('test_payment_charges')
        .values({ idempotency_key: input.idempotencyKey, token: input.token, amount_cents: input.amountCents, outcome, charge_ref: chargeRef, created_at: Date.now() })
        .onConflict((oc) => oc.column('idempotency_key').doNothing())
        .execute();
      const recorded = await db.selectFrom('test_payment_charges').selectAll().where('idempotency_key', '=', input.idempotencyKey).executeTakeFirstOrThrow();
      if (recorded.token !== input.token || recorded.amount_cents !== input.amountCents) {
        throw new PaymentError('idempotency_error', 'Keys for idempotent requests can only be used with the same parameters they were first used with.');
      }
      if (recorded.outcome === 'ok') return { status: 'succeeded', chargeRef: recorded.charge_ref };
      const code = recorded.outcome as Exclude<Outcome, 'ok'>;
      return { status: 'failed', chargeRef: recorded.charge_ref, code, message: DECLINES[code] ?? DECLINES.card_declined };
    },
  };
}
