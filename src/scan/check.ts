import type { Finding, Liveness } from './finding.js';
import { ScanUsageError } from './usage-error.js';

export interface CheckOptions {
  /** The Tollgate server, with or without a trailing `/v1`. */
  url: string;
  /** Plain http to a host other than this machine would put the keys on the wire in clear. */
  allowHttp?: boolean;
  timeoutMs?: number;
  concurrency?: number;
}

const DEFAULT_TIMEOUT_MS = 5_000;
const DEFAULT_CONCURRENCY = 4;

function isLoopback(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '[::1]' || /^127(\.\d{1,3}){3}$/.test(hostname);
}

/** `GET /v1/models` on the server named by `raw`: the cheapest call every live key may make. */
export function modelsUrl(raw: string, allowHttp = false): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ScanUsageError(`--check: not a URL: ${raw}`);
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new ScanUsageError(`--check: the URL must be http(s), got ${url.protocol}`);
  if (url.protocol === 'http:' && !isLoopback(url.hostname) && !allowHttp) {
    throw new ScanUsageError(`--check: refusing to send keys over plain http to ${url.host}; use https, or --allow-http if the network is trusted`);
  }
  if (url.username || url.password || url.search || url.hash) throw new ScanUsageError('--check: the URL must not carry credentials, a query or a fragment');
  const base = url.href.replace(/\/+$/, '');
  return /\/v1$/.test(base) ? `${base}/models` : `${base}/v1/models`;
}

/**
 * 200 = live; 403 = live but lacking `model.read` (or an admin key); 401 =
 * dead, except `ip_not_authorized`: the key is live, only not from this
 * address; anything else is not an answer.
 */
async function probe(endpoint: string, secret: string, timeoutMs: number): Promise<Liveness> {
  let status: number;
  let code: unknown = null;
  try {
    const response = await fetch(endpoint, {
      headers: { authorization: `Bearer ${secret}`, accept: 'application/json' },
      // A redirect could carry the key to another host: treat it as no answer.
      redirect: 'manual',
      signal: AbortSignal.timeout(timeoutMs),
    });
    status = response.status;
    if (status === 401) code = ((await response.json().catch(() => null)) as { error?: { code?: unknown } } | null)?.error?.code ?? null;
    else await response.body?.cancel();
  } catch (err) {
    const timedOut = err instanceof Error && (err.name === 'TimeoutError' || err.name === 'AbortError');
    return { status: 'unknown', reason: timedOut ? 'timeout' : 'network error' };
  }
  if (status === 200) return { status: 'live', restricted: false };
  if (status === 403) return { status: 'live', restricted: true };
  if (status === 401) return code === 'ip_not_authorized' ? { status: 'live', restricted: true } : { status: 'dead' };
  return { status: 'unknown', reason: `HTTP ${status}` };
}

/**
 * Sets `liveness` on every checksum-valid Tollgate finding. Each distinct key is
 * sent once, only to `options.url`; look-alikes and OpenAI keys are never sent.
 * Returns how many distinct keys were checked.
 */
export async function checkFindings(findings: Finding[], options: CheckOptions): Promise<number> {
  const endpoint = modelsUrl(options.url, options.allowHttp);
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  const candidates = findings.filter((f) => f.kind.startsWith('tollgate-') && f.checksumValid);
  const secrets = [...new Set(candidates.map((f) => f.secret))];
  const results = new Map<string, Liveness>();
  let cursor = 0;
  const worker = async () => {
    while (cursor < secrets.length) {
      const secret = secrets[cursor++]!;
      results.set(secret, await probe(endpoint, secret, timeoutMs));
    }
  };
  await Promise.all(Array.from({ length: Math.min(options.concurrency ?? DEFAULT_CONCURRENCY, secrets.length) }, worker));
  for (const finding of candidates) finding.liveness = results.get(finding.secret)!;
  return secrets.length;
}
