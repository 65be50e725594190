/**
 * Every error Tollgate answers with, in one place: status, OpenAI `type` and
 * `code`, and the default message. Messages follow OpenAI's wording where
 * clients (or people) pattern-match on it.
 */
export interface ErrorSpec {
  status: number;
  type: string;
  code: string | null;
  message: string;
  retryable?: boolean;
}

const spec = (status: number, type: string, code: string | null, message: string, retryable = false): ErrorSpec => ({
  status,
  type,
  code,
  message,
  retryable,
});

export const ERRORS = {
  missing_api_key: spec(
    401,
    'invalid_request_error',
    null,
    "You didn't provide an API key. You need to provide your API key in an Authorization header using Bearer auth (i.e. Authorization: Bearer YOUR_KEY). Create a project key (sk-proj-...) on this Tollgate's dashboard, page API keys (/api-keys), or with `tollgate keys create`; the first start shows one.",
  ),
  invalid_api_key: spec(401, 'invalid_request_error', 'invalid_api_key', 'Incorrect API key provided.'),
  ip_not_authorized: spec(401, 'invalid_request_error', 'ip_not_authorized', 'IP not authorized: this API key may not be used from your address.'),
  mismatched_organization: spec(401, 'invalid_request_error', 'mismatched_organization', 'OpenAI-Organization header should match organization for API key.'),
  mismatched_project: spec(401, 'invalid_request_error', 'mismatched_project', 'OpenAI-Project header should match project for API key.'),
  missing_scope: spec(403, 'invalid_request_error', 'missing_scope', 'You have insufficient permissions for this operation.'),
  permission_denied: spec(403, 'invalid_request_error', 'permission_denied', 'You do not have access to this resource.'),
  // Accounts and sessions.
  not_signed_in: spec(401, 'invalid_request_error', 'not_signed_in', 'You are not signed in, or your session has ended. Sign in again.'),
  invalid_credentials: spec(401, 'invalid_request_error', 'invalid_credentials', 'Incorrect email or password.'),
  account_disabled: spec(403, 'invalid_request_error', 'account_disabled', 'This account is disabled. Ask the operator of this Tollgate to enable it.'),
  csrf_failed: spec(
    403,
    'invalid_request_error',
    'csrf_token_invalid',
    'Missing or invalid CSRF token: send the csrf_token of your session in the X-CSRF-Token header with every request that changes something.',
  ),
  email_not_verified: spec(403, 'invalid_request_error', 'email_not_verified', 'Verify your email address first: follow the link we sent you (POST /v1/me/verify_email sends a new one).'),
  phone_not_verified: spec(403, 'invalid_request_error', 'phone_not_verified', 'Verify your phone number first (POST /v1/me/phone).'),
  signup_restricted: spec(403, 'invalid_request_error', 'signup_restricted', 'Sign-up is restricted on this Tollgate.'),
  invalid_token: spec(400, 'invalid_request_error', 'invalid_token', 'This link or code is invalid, was already used, or has expired.'),
  weak_password: spec(400, 'invalid_request_error', 'weak_password', 'This password is too weak.'),
  too_many_sign_in_attempts: spec(429, 'requests', 'rate_limit_exceeded', 'Too many failed sign-in attempts. Please try again later, or reset your password.'),
  too_many_codes: spec(429, 'requests', 'rate_limit_exceeded', 'Too many codes requested. Please try again later.'),
  // Second factor (TOTP and recovery codes).
  invalid_second_factor_code: spec(400, 'invalid_request_error', 'invalid_code', 'This code is not correct, or it was already used. A new code shows every 30 seconds.'),
  reauthentication_required: spec(
    403,
    'invalid_request_error',
    'reauthentication_required',
    'Sign in again first: changing the second factor needs a sign-in within the last 15 minutes.',
  ),
  too_many_code_attempts: spec(429, 'requests', 'rate_limit_exceeded', 'Too many wrong codes. Please wait before trying again.'),
  // SSO: the callback redirects to the sign-in page with one of these codes (`?sso_error=`).
  sso_state_invalid: spec(400, 'invalid_request_error', 'sso_state_invalid', 'This sign-in did not start in this browser, took too long, or was already used. Start again.'),
  sso_failed: spec(400, 'invalid_request_error', 'sso_failed', 'The identity provider did not confirm the sign-in. Start again.'),
  sso_denied: spec(400, 'invalid_request_error', 'sso_denied', 'The sign-in was cancelled or refused at the identity provider.'),
  sso_email_unverified: spec(
    403,
    'invalid_request_error',
    'sso_email_unverified',
    'The identity provider did not confirm that this email address is verified, so it cannot sign in to or create a Tollgate account.',
  ),
  sso_email_missing: spec(403, 'invalid_request_error', 'sso_email_missing', 'The identity provider did not share an email address: allow it to, and start again.'),
  sso_provider_unavailable: spec(502, 'server_error', 'sso_provider_unavailable', 'The identity provider cannot be reached right now. Please try again later.', true),
  invalid_json: spec(
    400,
    'invalid_request_error',
    null,
    "We could not parse the JSON body of your request. (HINT: This likely means you aren't using your HTTP library correctly. The API expects a JSON payload, but what was sent was not valid JSON.)",
  ),
  missing_required_parameter: spec(400, 'invalid_request_error', 'missing_required_parameter', 'Missing required parameter.'),
  invalid_type: spec(400, 'invalid_request_error', 'invalid_type', 'Invalid type.'),
  invalid_value: spec(400, 'invalid_request_error', 'invalid_value', 'Invalid value.'),
  unknown_parameter: spec(400, 'invalid_request_error', 'unknown_parameter', 'Unknown parameter.'),
  unsupported_parameter: spec(400, 'invalid_request_error', 'unsupported_parameter', 'Unsupported parameter.'),
  unsupported_value: spec(400, 'invalid_request_error', 'unsupported_value', 'Unsupported value.'),
  invalid_request: spec(400, 'invalid_request_error', null, 'Invalid request.'),
  invalid_url: spec(400, 'invalid_request_error', 'invalid_url', 'The URL is not valid: a percent-encoded part of its path does not decode to text.'),
  malformed_http: spec(400, 'invalid_request_error', 'malformed_request', 'The request is not valid HTTP.'),
  request_timeout: spec(408, 'invalid_request_error', 'request_timeout', 'The request was not received in time.'),
  uri_too_long: spec(414, 'invalid_request_error', 'uri_too_long', 'A path parameter of this URL is too long.'),
  headers_too_large: spec(431, 'invalid_request_error', 'request_headers_too_large', 'The request headers are too large.'),
  context_length_exceeded: spec(400, 'invalid_request_error', 'context_length_exceeded', 'The request exceeds the context window of the model.'),
  invalid_card: spec(400, 'invalid_request_error', 'invalid_card', 'The card details are invalid.'),
  card_declined: spec(402, 'card_error', 'card_declined', 'Your card was declined.'),
  not_found: spec(404, 'invalid_request_error', null, 'Not found.'),
  // OpenAI's answer for a model the project may not use: 403 with code model_not_found.
  model_not_permitted: spec(403, 'invalid_request_error', 'model_not_found', 'This project does not have access to this model.'),
  model_not_found: spec(404, 'invalid_request_error', 'model_not_found', 'The model does not exist or you do not have access to it.'),
  method_not_allowed: spec(405, 'invalid_request_error', null, 'Method not allowed.'),
  conflict: spec(409, 'invalid_request_error', 'conflict', 'The request conflicts with the current state of the resource.'),
  request_too_large: spec(413, 'invalid_request_error', 'request_too_large', 'The request body is too large.'),
  unsupported_media_type: spec(415, 'invalid_request_error', null, "Unsupported Content-Type. The API expects 'application/json'."),
  rate_limit_exceeded: spec(429, 'requests', 'rate_limit_exceeded', 'Rate limit reached.'),
  too_many_auth_failures: spec(429, 'requests', 'rate_limit_exceeded', 'Too many requests with invalid API keys from this address. Please try again later.'),
  insufficient_quota: spec(
    429,
    'insufficient_quota',
    'insufficient_quota',
    'You exceeded your current quota, please check your plan and billing details.',
  ),
  server_error: spec(500, 'server_error', null, 'The server had an error while processing your request. Sorry about that!'),
  payment_provider_unavailable: spec(502, 'server_error', 'payment_provider_unavailable', 'The payment provider could not be reached. Your purchase is kept and will be retried.', true),
  upstream_error: spec(502, 'server_error', 'upstream_error', 'The upstream provider returned an invalid response.', true),
  overloaded: spec(503, 'service_unavailable_error', 'server_is_overloaded', 'Our servers are currently overloaded. Please try again later.', true),
  shutting_down: spec(503, 'service_unavailable_error', 'server_shutting_down', 'The server is shutting down. Please retry.', true),
  no_healthy_deployment: spec(
    503,
    'service_unavailable_error',
    'no_healthy_deployment',
    'No deployment of this model is available right now: each failed repeatedly and is cooling down. Please retry later.',
    true,
  ),
  upstream_timeout: spec(504, 'server_error', 'timeout', 'The upstream provider did not answer in time.', true),
} satisfies Record<string, ErrorSpec>;

export type ErrorName = keyof typeof ERRORS;
