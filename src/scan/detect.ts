import { KEY_PATTERN, keyShapeKind, parseKey, redactKey, type KeyKind } from '../control/index.js';

export type TollgateKeyKind = `tollgate-${'project' | 'service-account' | 'admin'}`;
export type OpenAIKeyKind = `openai-${'legacy' | 'project' | 'service-account' | 'admin'}`;
export type SecretKind = TollgateKeyKind | OpenAIKeyKind;

/** One key-shaped string in one line. The secret itself is kept off enumeration (see `withSecret`). */
export interface Match {
  kind: SecretKind;
  /** 1-based, in characters of the line. */
  column: number;
  redacted: string;
  /** Tollgate keys only: the CRC32 checksum holds, so it may be a real key; false marks a look-alike. */
  checksumValid: boolean | null;
  readonly secret: string;
}

const TOLLGATE_KINDS: Record<KeyKind, TollgateKeyKind> = {
  project: 'tollgate-project',
  service_account: 'tollgate-service-account',
  admin: 'tollgate-admin',
};

/**
 * OpenAI's formats (openai-contract.md §1, as gitleaks and 2ms match them): every
 * kind carries `T3BlbkFJ`, base64 of "OpenAI". The lengths are loose on purpose:
 * a scanner would rather report a variant than miss it.
 */
const OPENAI_PATTERNS: { kind: OpenAIKeyKind; pattern: RegExp }[] = [
  { kind: 'openai-legacy', pattern: /(?<![0-9A-Za-z_-])sk-[0-9A-Za-z]{20}T3BlbkFJ[0-9A-Za-z]{20}(?![0-9A-Za-z_-])/g },
  ...(
    [
      ['openai-project', 'proj'],
      ['openai-service-account', 'svcacct'],
      ['openai-admin', 'admin'],
    ] as const
  ).map(([kind, prefix]) => ({
    kind,
    pattern: new RegExp(`(?<![0-9A-Za-z_-])sk-${prefix}-[0-9A-Za-z_-]{40,100}T3BlbkFJ[0-9A-Za-z_-]{40,100}(?![0-9A-Za-z_-])`, 'g'),
  })),
];

/** Findings are printed, logged and serialised: the secret must never ride along by accident. */
function withSecret<T extends object>(value: T, secret: string): T & { readonly secret: string } {
  return Object.defineProperty(value, 'secret', { value: secret, enumerable: false }) as T & { readonly secret: string };
}

function match(kind: SecretKind, index: number, secret: string, checksumValid: boolean | null): Match {
  return withSecret({ kind, column: index + 1, redacted: redactKey(secret), checksumValid }, secret);
}

/** Every Tollgate- or OpenAI-shaped key in one line of text, in column order. */
export function findKeys(line: string): Match[] {
  // Cheap gate first: almost no line contains "sk-".
  if (!line.includes('sk-')) return [];
  const found: Match[] = [];
  for (const m of line.matchAll(KEY_PATTERN)) {
    const kind = keyShapeKind(m[0]);
    if (kind) found.push(match(TOLLGATE_KINDS[kind], m.index, m[0], parseKey(m[0]) !== null));
  }
  for (const { kind, pattern } of OPENAI_PATTERNS) {
    for (const m of line.matchAll(pattern)) found.push(match(kind, m.index, m[0], null));
  }
  return found.sort((a, b) => a.column - b.column);
}
