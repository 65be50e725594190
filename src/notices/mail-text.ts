import type { Mail } from '../notify/index.js';
import type { NoticeEvent } from './events.js';

function text(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}

/** `$12.50` from a payload's decimal USD text (never through a float). */
function usd(value: unknown): string {
  const s = text(value);
  if (!/^-?\d+(\.\d+)?$/.test(s)) return s;
  const negative = s.startsWith('-');
  const [whole, fraction = ''] = (negative ? s.slice(1) : s).split('.');
  const trimmed = fraction.replace(/0+$/, '');
  return `${negative ? '-' : ''}$${whole}.${trimmed.padEnd(2, '0')}`;
}

function scopeName(p: Record<string, unknown>): string {
  const scope = text(p.scope);
  if (scope === 'organization') return 'your organization';
  if (scope === 'project') return `project ${text(p.scope_id)}`;
  if (scope === 'key') return `API key ${text(p.scope_id)}`;
  return scope;
}

/** Subject and first lines of each notice; every amount is the payload's exact decimal text. */
function body(event: NoticeEvent): { subject: string; lines: string[] } {
  const p = event.payload;
  switch (event.type) {
    case 'budget.threshold_crossed':
      if (p.threshold_usd !== undefined) {
        return {
          subject: `Spend alert: ${scopeName(p)} spent ${usd(p.spent_usd)} this month (alert at ${usd(p.threshold_usd)})`,
          lines: [`Spend in ${text(p.period)} reached ${usd(p.spent_usd)}, passing the alert threshold of ${usd(p.threshold_usd)}.`],
        };
      }
      return {
        subject: `Budget alert: ${scopeName(p)} used ${text(p.threshold_percent)}% of its ${usd(p.limit_usd)} monthly budget`,
        lines: [`Spend in ${text(p.period)} reached ${usd(p.spent_usd)} of the ${usd(p.limit_usd)} monthly budget (${text(p.threshold_percent)}% threshold).`],
      };
    case 'budget.exhausted':
      return {
        subject: `Budget exhausted: ${scopeName(p)} reached its ${usd(p.limit_usd)} monthly budget`,
        lines: [`Spend in ${text(p.period)} reached ${usd(p.spent_usd)}; requests charged to it are refused until the budget is raised or the month ends.`],
      };
    case 'balance.low':
      return {
        subject: `Credit balance low: ${usd(p.balance_usd)} left`,
        lines: [`Your prepaid credit balance fell below ${usd(p.threshold_usd)} and is now ${usd(p.balance_usd)}. Buy credit or turn on auto-recharge to avoid interruptions.`],
      };
    case 'balance.exhausted':
      return {
        subject: 'Credit balance exhausted: requests are being refused',
        lines: [`Your prepaid credit balance is ${usd(p.balance_usd)}. Requests are refused until credit is added.`],
      };
    case 'auto_recharge.succeeded':
      return {
        subject: `Auto-recharge: ${usd(p.amount_usd)} added to your credit balance`,
        lines: [`Auto-recharge charged ${usd(p.amount_usd)} (receipt ${text(p.receipt_number)}). Your balance is now ${usd(p.balance_usd)}.`],
      };
    case 'auto_recharge.failed':
      return {
        subject: `Auto-recharge of ${usd(p.amount_usd)} failed`,
        lines: [`Charging ${usd(p.amount_usd)} failed (attempt ${text(p.attempt)}): ${text(p.reason)} (${text(p.code)}).`, 'It will be retried; check your payment method.'],
      };
    case 'auto_recharge.disabled':
      return {
        subject: 'Auto-recharge turned off after failed charges',
        lines: [`Auto-recharge was turned off: ${text(p.reason)}.`, 'Update your payment method and turn auto-recharge on again.'],
      };
    case 'usage_tier.upgraded':
      return {
        subject: `Usage tier raised to ${text(p.to)}`,
        lines: [`Your organization moved from ${text(p.from)} to ${text(p.to)} after ${usd(p.paid_usd)} of paid purchases; its rate limits are raised.`],
      };
    case 'api_key.leaked':
      return {
        subject: `API key ${text(p.redacted_value)} was found exposed and revoked`,
        lines: [`The key ${text(p.redacted_value)} (${text(p.key_id)}) was reported by a secret scanner${p.source ? ` (${text(p.source)})` : ''} and revoked at once.`, 'Create a new key and replace it where it is used.'],
      };
    case 'api_key.rotation_due':
      return {
        subject: `API key ${text(p.redacted_value)} is due for rotation`,
        lines: [`The key ${text(p.redacted_value)} (${text(p.key_id)}) is more than 90 days old. Rotate it (the old key keeps working for a grace period).`],
      };
  }
}

/** The mail of one notice to one address; an alert's subject prefix goes first. */
export function noticeMail(event: NoticeEvent, to: string, subjectPrefix: string | null): Mail {
  const { subject, lines } = body(event);
  const footer = [``, `Organization: ${event.organizationId}`, ...(event.projectId ? [`Project: ${event.projectId}`] : []), `Event: ${event.id} (${event.type})`];
  return { to, subject: subjectPrefix ? `${subjectPrefix} ${subject}` : subject, text: [...lines, ...footer].join('\n') };
}
