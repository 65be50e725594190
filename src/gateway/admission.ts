import type { Picos } from '../common/money.js';
import type { KeyPrincipal } from '../control/index.js';
import type { Attribution, Usage } from '../contract/index.js';
import type { Deployment } from '../providers/index.js';
import type { CatalogueModel } from '../routing/index.js';

/**
 * The slot where limits and spend reservations plug into the pipeline. A
 * request is admitted (or refused with a 429) before anything is forwarded;
 * its ticket is settled exactly once with what really happened.
 */
export interface AdmitInput {
  principal: KeyPrincipal;
  model: CatalogueModel;
  endpoint: string;
  /** Prompt tokens as estimated by the tokenizer. */
  promptTokens: number;
  /** The most output tokens the request can produce. */
  maxOutputTokens: number;
  requestId: string;
  /** The request's `user` and `metadata`, recorded on its usage event. */
  attribution?: Attribution;
}

export interface CallOutcome {
  status: 'ok' | 'error' | 'aborted';
  usage: Usage | null;
  /** True when `usage` was counted by Tollgate because the upstream sent none. */
  usageEstimated: boolean;
  deployment: Deployment | null;
  errorCode: string | null;
  httpStatus: number;
  latencyMs: number;
  timeToFirstTokenMs: number | null;
}

export interface Ticket {
  /** Headers for the response (x-ratelimit-*). */
  headers: Record<string, string>;
  /** What a call with this usage on this deployment costs: exactly what `settle` charges for it. */
  price(usage: Usage, deployment: Deployment | null): Picos;
  /** Records what happened; returns the cost charged (0 for a failed call). */
  settle(outcome: CallOutcome): Picos;
}

export interface Admission {
  admit(input: AdmitInput): Promise<Ticket>;
}

/** No limits: every request is admitted. */
export const openAdmission: Admission = {
  admit: async () => ({ headers: {}, price: () => 0n, settle: () => 0n }),
};
