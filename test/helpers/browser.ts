/**
 * A browser-like client for the session API: it keeps cookies, sends the CSRF
 * token from the `tollgate_csrf` cookie on writes (as the dashboard does), and
 * can present itself from another address (X-Forwarded-For, when the server
 * trusts proxies) or another origin.
 */
export interface BrowserAnswer {
  status: number;
  body: any;
  headers: Headers;
  setCookies: string[];
}

export interface Browser {
  cookies: Map<string, string>;
  call(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<BrowserAnswer>;
  /** Signs in and returns the answer. */
  signIn(email: string, password: string): Promise<BrowserAnswer>;
}

export function browser(baseUrl: string, options: { ip?: string; csrf?: boolean } = {}): Browser {
  const cookies = new Map<string, string>();
  async function call(method: string, path: string, body?: unknown, headers: Record<string, string> = {}): Promise<BrowserAnswer> {
    const cookie = [...cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    const csrf = cookies.get('tollgate_csrf');
    const response = await fetch(`${baseUrl}${path}`, {
      method,
      headers: {
        ...(cookie ? { cookie } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
        ...(options.ip ? { 'x-forwarded-for': options.ip } : {}),
        ...(method !== 'GET' && csrf && options.csrf !== false ? { 'x-csrf-token': decodeURIComponent(csrf) } : {}),
        ...headers,
      },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const setCookies = response.headers.getSetCookie();
    keepCookies(cookies, setCookies);
    const text = await response.text();
    let parsed: unknown = text;
    try {
      parsed = JSON.parse(text);
    } catch {
      // not JSON
    }
    return { status: response.status, body: parsed, headers: response.headers, setCookies };
  }
  return { cookies, call, signIn: (email, password) => call('POST', '/v1/auth/signin', { email, password }) };
}

/** Applies Set-Cookie lines to a jar as a browser does: set, replace, or delete when expired. */
export function keepCookies(jar: Map<string, string>, setCookies: string[]): void {
  for (const line of setCookies) {
    const [pair, ...attrs] = line.split(';');
    const at = pair!.indexOf('=');
    const name = pair!.slice(0, at).trim();
    const value = pair!.slice(at + 1).trim();
    if (attrs.some((a) => /^\s*max-age=0\s*$/i.test(a) || /^\s*expires=Thu, 01 Jan 1970/i.test(a)) || value === '') jar.delete(name);
    else jar.set(name, value);
  }
}

/** The token of a link (`...?token=...`). */
export function tokenOf(link: string): string {
  return new URL(link).searchParams.get('token')!;
}
