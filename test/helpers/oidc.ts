import { generateKeyPairSync, verify, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import Provider from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';
import { keepCookies } from './browser.js';

/**
 * A real OpenID Connect provider (oidc-provider, the certified
 * implementation) on 127.0.0.1, for sign-in with SSO end to end over HTTP.
 * Who signs in is chosen by the authorization request's `login_hint`, so
 * the login and consent screens answer by themselves.
 */
export interface IdpAccount {
  sub: string;
  email?: string;
  email_verified?: boolean | string;
  name?: string;
}

export interface IdpClient {
  client_id: string;
  client_secret: string;
  redirect_uris: string[];
  /**
   * Apple's client authentication: the client secret is an ES256 JWT signed
   * by the team's key, checked here as Apple does before the provider sees
   * the request.
   */
  apple?: { teamId: string; keyId: string; publicKey: KeyObject; user?: string };
}

export interface TestIdp {
  issuer: string;
  /** Accounts by login hint. */
  accounts: Map<string, IdpAccount>;
  /** Client secrets Apple-style clients presented, decoded (for assertions). */
  appleAssertions: Record<string, unknown>[];
  /** Creates the provider, once the clients' redirect URLs are known. */
  configure(clients: IdpClient[]): void;
  stop(): Promise<void>;
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function checkAppleSecret(secret: string, apple: NonNullable<IdpClient['apple']>, clientId: string, issuer: string): Record<string, unknown> | null {
  const [header, payload, signature] = secret.split('.');
  if (!header || !payload || !signature) return null;
  const head = JSON.parse(Buffer.from(header, 'base64url').toString()) as Record<string, unknown>;
  const claims = JSON.parse(Buffer.from(payload, 'base64url').toString()) as Record<string, number | string>;
  const signed = verify('sha256', Buffer.from(`${header}.${payload}`), { key: apple.publicKey, dsaEncoding: 'ieee-p1363' }, Buffer.from(signature, 'base64url'));
  const now = Math.floor(Date.now() / 1000);
  const ok =
    signed &&
    head.alg === 'ES256' &&
    head.kid === apple.keyId &&
    claims.iss === apple.teamId &&
    claims.sub === clientId &&
    claims.aud === issuer &&
    typeof claims.exp === 'number' &&
    claims.exp > now &&
    claims.exp - Number(claims.iat) <= 15_777_000;
  return ok ? { header: head, claims } : null;
}

export async function startTestIdp(options: { claimsInIdToken?: boolean } = {}): Promise<TestIdp> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  const issuer = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  const accounts = new Map<string, IdpAccount>();
  const appleAssertions: Record<string, unknown>[] = [];
  // The provider stops by itself if a test forgets to.
  const timer = setTimeout(() => server.close(), 10 * 60_000);
  timer.unref();
  let provider: Provider | undefined;
  let clients: IdpClient[] = [];

  async function interaction(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const details = await provider!.interactionDetails(req, res);
    if (details.prompt.name === 'login') {
      const hint = details.params.login_hint ?? '';
      if (!accounts.has(hint)) {
        res.statusCode = 400;
        res.end(`no test account for login_hint ${hint}`);
        return;
      }
      await provider!.interactionFinished(req, res, { login: { accountId: hint } }, { mergeWithLastSubmission: false });
      return;
    }
    const grant = new provider!.Grant({ accountId: details.session!.accountId, clientId: details.params.client_id! });
    if (details.prompt.details.missingOIDCScope) grant.addOIDCScope(details.prompt.details.missingOIDCScope.join(' '));
    if (details.prompt.details.missingOIDCClaims) grant.addOIDCClaims(details.prompt.details.missingOIDCClaims);
    await provider!.interactionFinished(req, res, { consent: { grantId: await grant.save() } }, { mergeWithLastSubmission: true });
  }

  /** Apple's form post also carries `user` (the name, on a first sign-in): added to the provider's form for Apple clients. */
  function addAppleUser(res: ServerResponse, user: string): void {
    const end = res.end.bind(res) as (chunk?: unknown) => ServerResponse;
    res.end = ((chunk?: unknown) => {
      if (typeof chunk === 'string' && chunk.includes('<form method="post"')) {
        const html = chunk.replace('<noscript>', `<input type="hidden" name="user" value="${user.replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"/>\n    <noscript>`);
        if (!res.headersSent) res.setHeader('content-length', Buffer.byteLength(html));
        return end(html);
      }
      return end(chunk);
    }) as typeof res.end;
  }

  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    void (async () => {
      if (!provider) {
        res.statusCode = 503;
        res.end();
        return;
      }
      const url = new URL(req.url ?? '/', issuer);
      if (url.pathname.startsWith('/interaction/')) return interaction(req, res);
      if (req.method === 'POST' && url.pathname === '/token') {
        const text = await readBody(req);
        const form = new URLSearchParams(text);
        const client = clients.find((c) => c.client_id === form.get('client_id'));
        if (client?.apple) {
          const checked = checkAppleSecret(form.get('client_secret') ?? '', client.apple, client.client_id, issuer);
          if (!checked) {
            res.writeHead(400, { 'content-type': 'application/json' }).end(JSON.stringify({ error: 'invalid_client' }));
            return;
          }
          appleAssertions.push(checked);
          form.set('client_secret', client.client_secret);
        }
        (req as IncomingMessage & { body?: string }).body = form.toString();
      }
      if (url.pathname.startsWith('/auth')) {
        const client = clients.find((c) => c.client_id === url.searchParams.get('client_id'));
        if (client?.apple?.user) addAppleUser(res, client.apple.user);
        else if (!url.searchParams.has('client_id')) {
          // The resumed authorization (/auth/<uid>) no longer names the client: any Apple client's user applies.
          const apple = clients.find((c) => c.apple?.user);
          if (apple) addAppleUser(res, apple.apple!.user!);
        }
      }
      provider.callback()(req, res);
    })().catch((err: unknown) => {
      res.statusCode = 500;
      res.end(String(err));
    });
  });

  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const jwk = { ...privateKey.export({ format: 'jwk' }), kid: 'test-key', use: 'sig', alg: 'RS256' };
  return {
    issuer,
    accounts,
    appleAssertions,
    configure(list) {
      clients = list;
      provider = new Provider(issuer, {
        adapter: MemoryAdapter,
        clients: list.map((c) => ({ client_id: c.client_id, client_secret: c.client_secret, redirect_uris: c.redirect_uris, response_types: ['code'], grant_types: ['authorization_code'], token_endpoint_auth_method: 'client_secret_post' })),
        jwks: { keys: [jwk] },
        cookies: { keys: ['test-idp-cookie-key'] },
        claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'], name: ['name'] },
        scopes: ['openid', 'email', 'profile', 'name'],
        // Google and Apple put the address in the ID token; others (the default here) only in UserInfo.
        conformIdTokenClaims: options.claimsInIdToken !== true,
        pkce: { required: () => true },
        features: { devInteractions: { enabled: false } },
        interactions: { url: (_ctx: unknown, i: { uid: string }) => `/interaction/${i.uid}` },
        ttl: { AccessToken: 600, AuthorizationCode: 60, IdToken: 600, Interaction: 600, Session: 600, Grant: 600 },
        findAccount: (_ctx: unknown, id: string) => {
          const account = accounts.get(id);
          return account ? { accountId: id, claims: () => account } : undefined;
        },
      });
    },
    stop: () =>
      new Promise<void>((resolve) => {
        clearTimeout(timer);
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** One request a browser is about to make. */
export interface Step {
  url: string;
  method?: string;
  form?: Record<string, string>;
  headers?: Record<string, string>;
}

/**
 * A browser for sign-in with SSO: a cookie jar per origin, redirects
 * followed one by one, and the provider's form_post page submitted as a
 * browser would (a cross-site POST with the provider's Origin).
 */
export interface SsoBrowser {
  cookies(origin: string): Map<string, string>;
  /** One request; its Set-Cookie lines go into the jar. */
  request(step: Step): Promise<{ status: number; location: string | null; text: string; setCookies: string[] }>;
  /** Follows redirects and form posts until the next step satisfies `stop` (not made), and returns it. */
  follow(start: Step | string, stop: (next: URL) => boolean): Promise<Step>;
}

const unescape = (text: string) => text.replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

export function ssoBrowser(): SsoBrowser {
  const jars = new Map<string, Map<string, string>>();
  const jar = (origin: string) => {
    let found = jars.get(origin);
    if (!found) jars.set(origin, (found = new Map()));
    return found;
  };
  async function request(step: Step) {
    const target = new URL(step.url);
    const cookies = jar(target.origin);
    const response = await fetch(target, {
      method: step.method ?? 'GET',
      redirect: 'manual',
      headers: {
        ...(cookies.size ? { cookie: [...cookies].map(([k, v]) => `${k}=${v}`).join('; ') } : {}),
        ...(step.form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
        ...step.headers,
      },
      body: step.form ? new URLSearchParams(step.form).toString() : undefined,
    });
    const setCookies = response.headers.getSetCookie();
    keepCookies(cookies, setCookies);
    const location = response.headers.get('location');
    return { status: response.status, location: location ? new URL(location, target).href : null, text: await response.text(), setCookies };
  }
  async function follow(start: Step | string, stop: (next: URL) => boolean): Promise<Step> {
    let next: Step = typeof start === 'string' ? { url: start } : start;
    for (let hops = 0; hops < 20; hops++) {
      if (stop(new URL(next.url))) return next;
      const answer = await request(next);
      if (answer.location) {
        next = { url: answer.location };
        continue;
      }
      const form = /<form method="post" action="([^"]+)">([\s\S]*?)<\/form>/.exec(answer.text);
      if (answer.status === 200 && form) {
        const fields: Record<string, string> = {};
        for (const input of form[2]!.matchAll(/<input type="hidden" name="([^"]+)" value="([^"]*)"\/>/g)) fields[input[1]!] = unescape(input[2]!);
        next = { url: unescape(form[1]!), method: 'POST', form: fields, headers: { origin: new URL(next.url).origin } };
        continue;
      }
      throw new Error(`sign-in stopped at ${next.url}: ${answer.status} ${answer.text.slice(0, 200)}`);
    }
    throw new Error('too many redirects');
  }
  return { cookies: jar, request, follow };
}
