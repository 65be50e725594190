import { describe, expect, it } from 'vitest';
import type { NotificationType } from '../control/index.js';
import { NOTIFICATION_TYPES, type NoticeEvent } from './events.js';
import { noticeMail } from './mail-text.js';

const event = (type: NotificationType, payload: Record<string, unknown>): NoticeEvent => ({
  id: 'evt_1',
  organizationId: 'org_1',
  projectId: null,
  type,
  resourceId: null,
  payload,
  createdAt: 0,
  readAt: null,
});

/** The payloads the code that raises each event writes (billing, usage writer, keys). */
const CASES: [NotificationType, Record<string, unknown>, string, string][] = [
  ['budget.threshold_crossed', { scope: 'key', scope_id: 'key_1', period: '2026-01', threshold_percent: 80, limit_usd: '10.5', spent_usd: '8.4' }, 'Budget alert: API key key_1 used 80% of its $10.50 monthly budget', 'reached $8.40 of the $10.50 monthly budget'],
  ['budget.exhausted', { scope: 'organization', scope_id: 'org_1', period: '2026-01', limit_usd: '100', spent_usd: '100.000001' }, 'Budget exhausted: your organization reached its $100.00 monthly budget', 'reached $100.000001;'],
  ['balance.low', { balance_usd: '0.99', threshold_usd: '1' }, 'Credit balance low: $0.99 left', 'fell below $1.00'],
  ['balance.exhausted', { balance_usd: '-0.0004' }, 'Credit balance exhausted: requests are being refused', 'balance is -$0.0004'],
  ['auto_recharge.succeeded', { purchase_id: 'pur_1', amount_usd: '25.00', balance_usd: '30.10', receipt_number: 'TG-000007' }, 'Auto-recharge: $25.00 added to your credit balance', 'charged $25.00 (receipt TG-000007). Your balance is now $30.10.'],
  ['auto_recharge.failed', { purchase_id: 'pur_1', amount_usd: '25.00', attempt: 2, code: 'card_declined', reason: 'Your card was declined.' }, 'Auto-recharge of $25.00 failed', 'Charging $25.00 failed (attempt 2): Your card was declined. (card_declined).'],
  ['auto_recharge.disabled', { purchase_id: 'pur_1', amount_usd: '25.00', reason: '3 charges in a row failed' }, 'Auto-recharge turned off after failed charges', 'turned off: 3 charges in a row failed.'],
  ['usage_tier.upgraded', { from: 'free', to: 'tier-1', paid_usd: '5.00' }, 'Usage tier raised to tier-1', 'from free to tier-1 after $5.00 of paid purchases'],
  ['api_key.leaked', { key_id: 'key_9', redacted_value: 'sk-proj-...abcd', source: 'github' }, 'API key sk-proj-...abcd was found exposed and revoked', 'reported by a secret scanner (github) and revoked'],
  ['api_key.rotation_due', { key_id: 'key_9', redacted_value: 'sk-proj-...abcd', created_at: 0 }, 'API key sk-proj-...abcd is due for rotation', 'more than 90 days old'],
];

describe('notice mails', () => {
  it('cover every event type', () => {
    expect(CASES.map(([type]) => type).sort()).toEqual([...NOTIFICATION_TYPES].sort());
  });

  it.each(CASES)('%s: subject and amounts from the payload, exactly', (type, payload, subject, line) => {
    const mail = noticeMail(event(type, payload), 'owner@example.com', null);
    expect(mail.to).toBe('owner@example.com');
    expect(mail.subject).toBe(subject);
    expect(mail.text).toContain(line);
    expect(mail.text).toContain(`Event: evt_1 (${type})`);
  });

  it('puts a spend alert\'s subject prefix first', () => {
    const mail = noticeMail(event('budget.threshold_crossed', { scope: 'project', scope_id: 'proj_1', period: '2026-01', alert_id: 'alert_1', threshold_usd: '250', spent_usd: '250.01' }), 'f@example.com', 'ACME:');
    expect(mail.subject).toBe('ACME: Spend alert: project proj_1 spent $250.01 this month (alert at $250.00)');
  });
});
