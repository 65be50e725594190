import { ApiError } from './errors';

/**
 * The account and session API (`/v1/auth/*`, `/v1/me*`). Its answers are
 * documented in /openapi.json as plain objects, so their fields are written
 * out here, once. Requests go to this origin only, with the session cookie;
 * writes carry the CSRF token the server sets in the readable `tollgate_csrf`
 * cookie (the session cookie itself is HttpOnly: the page never sees it).
 */
export interface Membership {
  id: string;
  name: string;
  status: string;
  role: 'owner' | 'reader';
  projects: { id: string; name: string; role: 'owner' | 'member' }[];
}

export interface Me {
  id: string;
  email: string;
  name: string | null;
  email_verified: boolean;
  operator: boolean;
  has_password: boolean;
  organizations: Membership[];
  key_requirements: { verified_email: boolean; verified_phone: boolean };
  csrf_token: string;
}

export interface SecondFactorRequired {
  object: 'sign_in.second_factor_required';
  factors: string[];
  pending_token: string;
}

export interface SsoProvider {
  id: string;
  kind: string;
  name: string;
  start_url: string;
}

export interface InviteOffer {
  email: string;
  role: string;
  organization: { id: string; name: string };
  account_exists: boolean;
}

export function csrfCookie(): string | null {
  const found = document.cookie.split(';').map((c) => c.trim()).find((c) => c.startsWith('tollgate_csrf='));
  return found ? decodeURIComponent(found.slice('tollgate_csrf='.length)) : null;
}

async function call<T>(method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown): Promise<T> {
  const headers: Record<string, string> = { accept: 'application/json' };
  if (body !== undefined) headers['content-type'] = 'application/json';
  const csrf = method === 'GET' ? null : csrfCookie();
  if (csrf) headers['x-csrf-token'] = csrf;
  const response = await fetch(path, { method, headers, credentials: 'same-origin', body: body === undefined ? undefined : JSON.stringify(body) });
  const answer = (await response.json().catch(() => null)) as { error?: { message?: string; param?: string | null; code?: string | null } } | null;
  if (!response.ok) throw new ApiError(response.status, answer?.error?.message ?? `The server answered ${response.status}.`, answer?.error?.param ?? null, answer?.error?.code ?? null);
  return answer as T;
}

export const account = {
  me: () => call<Me>('GET', '/v1/me'),
  signUp: (email: string, password: string) => call<{ message: string }>('POST', '/v1/auth/signup', { email, password }),
  signIn: (email: string, password: string) => call<{ object: string } | SecondFactorRequired>('POST', '/v1/auth/signin', { email, password }),
  signInWithCode: (pendingToken: string, proof: { code: string } | { recovery_code: string }) => call<{ object: string }>('POST', '/v1/auth/signin/totp', { pending_token: pendingToken, ...proof }),
  signOut: () => call<unknown>('POST', '/v1/auth/signout'),
  verifyEmail: (token: string) => call<unknown>('POST', '/v1/auth/verify_email', { token }),
  resendVerification: () => call<unknown>('POST', '/v1/me/verify_email'),
  forgotPassword: (email: string) => call<{ message: string }>('POST', '/v1/auth/password/forgot', { email }),
  resetPassword: (token: string, password: string) => call<unknown>('POST', '/v1/auth/password/reset', { token, password }),
  setup: (token: string, body: { email?: string; password: string; name?: string }) => call<unknown>('POST', '/v1/auth/setup', { token, ...body }),
  ssoProviders: () => call<{ data: SsoProvider[] }>('GET', '/v1/auth/sso').then((list) => list.data),
  lookupInvite: (token: string) => call<InviteOffer>('POST', '/v1/auth/invites/lookup', { token }),
  acceptInvite: (token: string, body: { password?: string; name?: string }) => call<unknown>('POST', '/v1/auth/invites/accept', { token, ...body }),
  createOrganization: (name: string) => call<Membership>('POST', '/v1/me/organizations', { name }),
};

export const isSecondFactor = (answer: { object: string }): answer is SecondFactorRequired => answer.object === 'sign_in.second_factor_required';
