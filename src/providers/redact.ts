import { TollgateError } from '../common/errors.js';
import type { Provider } from './types.js';

const REDACTED = '[redacted]';

/**
 * Shapes of provider credentials, redacted wherever they appear in text an
 * upstream sent: OpenAI-style `sk-...` (sk-proj-, sk-ant-, sk-svcacct-,
 * sk-admin-), Google `AIza...`, xAI, Groq, Hugging Face, Perplexity,
 * Replicate and NVIDIA keys, and any bearer token.
 */
const KEY_SHAPES = [
  /\bBearer\s+[A-Za-z0-9._~+/=-]{8,}/gi,
  /\bsk-[A-Za-z0-9_-]{16,}/g,
  /\bAIza[0-9A-Za-z_-]{30,}/g,
  /\b(?:xai-|gsk_|hf_|pplx-|r8_|nvapi-)[A-Za-z0-9_-]{16,}/g,
];

/** Values shorter than this are not treated as secrets (a header like `2023-06-01` is not one). */
const MIN_SECRET_LENGTH = 8;

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** `text` with every known secret and everything shaped like a provider key replaced by `[redacted]`. */
export function redactSecrets(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) {
    if (secret.length >= MIN_SECRET_LENGTH) out = out.replace(new RegExp(escape(secret), 'g'), REDACTED);
  }
  for (const shape of KEY_SHAPES) out = out.replace(shape, (match) => (/^bearer/i.test(match) ? `Bearer ${REDACTED}` : REDACTED));
  return out;
}

function redacted(err: unknown, secrets: readonly string[]): unknown {
  if (!(err instanceof TollgateError)) return err;
  // An upstream may quote the credential it received (some echo the Authorization header in a 400 or 500).
  err.message = redactSecrets(err.message, secrets);
  return err;
}

async function* redactedStream<T>(source: AsyncIterable<T>, secrets: readonly string[]): AsyncGenerator<T> {
  try {
    yield* source;
  } catch (err) {
    throw redacted(err, secrets);
  }
}

/**
 * A provider whose errors, thrown by a call or in the middle of a stream,
 * never carry its credential (nor anything shaped like a provider key) to the
 * client or the logs. Applied once, where every provider is built.
 */
export function withSecretsRedacted(provider: Provider, secrets: readonly string[]): Provider {
  const call =
    <A extends unknown[], R>(method: ((...args: A) => Promise<R>) | undefined) =>
    method &&
    (async (...args: A): Promise<R> => {
      try {
        return await method.apply(provider, args);
      } catch (err) {
        throw redacted(err, secrets);
      }
    });
  const stream =
    <A extends unknown[], R>(method: ((...args: A) => Promise<AsyncIterable<R>>) | undefined) =>
    method &&
    (async (...args: A): Promise<AsyncIterable<R>> => {
      try {
        return redactedStream(await method.apply(provider, args), secrets);
      } catch (err) {
        throw redacted(err, secrets);
      }
    });
  return {
    id: provider.id,
    kind: provider.kind,
    chat: call(provider.chat)!,
    chatStream: stream(provider.chatStream)!,
    embeddings: call(provider.embeddings),
    completions: call(provider.completions),
    completionsStream: stream(provider.completionsStream),
    close: provider.close && (() => provider.close!()),
  };
}
