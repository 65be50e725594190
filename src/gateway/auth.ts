import type { IncomingHttpHeaders } from 'node:http';
import { TollgateError } from '../common/errors.js';
import { maskKeyForError, type KeyPrincipal, type KeyService } from '../control/index.js';

/** The presented key: `Authorization: Bearer <key>`, or Azure-style `api-key: <key>`. */
export function presentedKey(headers: IncomingHttpHeaders): string | null {
  const authorization = headers.authorization;
  if (typeof authorization === 'string') {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (match) return match[1]!;
    const basic = /^Basic\s+(\S+)\s*$/i.exec(authorization);
    if (basic) {
      // Browsers prompt for user/password: OpenAI takes the key as the password with a blank user.
      const decoded = Buffer.from(basic[1]!, 'base64').toString('utf8');
      const password = decoded.slice(decoded.indexOf(':') + 1);
      return password || null;
    }
    return authorization.trim() || null;
  }
  const apiKey = headers['api-key'];
  return typeof apiKey === 'string' && apiKey.trim() ? apiKey.trim() : null;
}

export function invalidKeyError(key: string): TollgateError {
  return new TollgateError('invalid_api_key', {
    message: `Incorrect API key provided: ${maskKeyForError(key)}. You can find your API keys in your Tollgate organization settings.`,
  });
}

/** Step 1 of every /v1 request: who is calling. Any failure is OpenAI's 401. */
export async function authenticate(keys: KeyService, headers: IncomingHttpHeaders): Promise<KeyPrincipal> {
  const key = presentedKey(headers);
  if (!key) throw new TollgateError('missing_api_key');
  const principal = await keys.authenticate(key);
  if (!principal) throw invalidKeyError(key);
  return principal;
}
