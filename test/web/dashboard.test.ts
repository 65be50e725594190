/// <reference lib="dom" />
import OpenAI from 'openai';
import { Secret, TOTP } from 'otpauth';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestIdp, type TestIdp } from '../helpers/oidc.js';
import { linkIn, startTestSmtp, type TestSmtp } from '../helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot, seriousViolations, watchErrors } from './browser.js';

/**
 * The dashboard in a real Chromium against a real Tollgate, signed in with
 * sessions only (no key in the browser): one server, one SMTP server, one
 * OpenID Connect provider and one browser for the file. The main journey
 * runs as a person who signs up; the operator, a Reader and an SSO account
 * have their own browser contexts. Every page visited is checked with axe
 * and photographed (test-results/screenshots), and no page may log an error.
 */
if (!hasChromium) console.log('dashboard browser tests skipped: /usr/bin/chromium is missing (apt-get install chromium; .ci/run installs it)');

const PASSWORD = 'cobalt-river-sonnet-31';
const PERSON = 'ada@example.com';

// Each step drives real pages and runs axe on them: generous per-test time on a busy 2-core machine.
describe.skipIf(!hasChromium)('the dashboard in Chromium', { timeout: 120_000 }, () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  let idp: TestIdp;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let operator: Page;
  let errors: string[];
  const violations: Record<string, string[]> = {};

  async function check(name: string, on: Page = page): Promise<void> {
    await on.waitForLoadState('networkidle');
    violations[name] = await seriousViolations(on);
    await screenshot(on, name);
  }

  /** The admin API as the page's own session calls it (cookie, CSRF token, organization). */
  async function asPage(on: Page, method: 'GET' | 'POST' | 'DELETE', path: string, body?: unknown, organization?: string): Promise<any> {
    const csrf = (await on.context().cookies()).find((c) => c.name === 'tollgate_csrf')?.value ?? '';
    const answer = await on.request.fetch(path, {
      method,
      headers: { 'x-csrf-token': decodeURIComponent(csrf), origin: tg.url, ...(organization ? { 'openai-organization': organization } : {}) },
      ...(body !== undefined ? { data: body } : {}),
    });
    const json = await answer.json();
    expect(answer.status(), JSON.stringify(json)).toBeLessThan(300);
    return json;
  }

  async function newPage(options: { width?: number; dark?: boolean } = {}): Promise<Page> {
    const ctx = await browser.newContext({ baseURL: tg.url, viewport: { width: options.width ?? 1280, height: 860 }, ...(options.dark ? { colorScheme: 'dark' as const, isMobile: true } : {}) });
    const seen = watchErrors(ctx);
    ctxErrors.push(seen);
    return ctx.newPage();
  }
  const ctxErrors: string[][] = [];

  beforeAll(async () => {
    ensureDashboardBuilt();
    [smtp, idp, browser] = await Promise.all([startTestSmtp(), startTestIdp(), launchBrowser()]);
    tg = await startTestTollgate({ smtp_url: smtp.url, sso: { providers: { acme: { kind: 'oidc', issuer: idp.issuer, client_id: 'tollgate', client_secret: 'acme-client-secret', display_name: 'Acme SSO' } } } });
    idp.configure([{ client_id: 'tollgate', client_secret: 'acme-client-secret', redirect_uris: [`${tg.url}/v1/auth/sso/acme/callback`] }]);
    idp.accounts.set('grace@example.com', { sub: 'acme-0001', email: 'grace@example.com', email_verified: true, name: 'Grace Hopper' });
    context = await browser.newContext({ baseURL: tg.url, viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tg.url });
    errors = watchErrors(context);
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tg?.stop();
    await idp?.stop();
    await smtp?.stop();
  });

  it('serves the page with a strict policy, hashed assets cached for a year, and API 404s as JSON', async () => {
    const index = await fetch(`${tg.url}/usage`);
    expect(index.status).toBe(200);
    expect(index.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(index.headers.get('cache-control')).toBe('no-store');
    const csp = index.headers.get('content-security-policy')!;
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).not.toContain('unsafe-eval');
    const nonce = /'nonce-([^']+)'/.exec(csp)![1]!;
    const html = await index.text();
    expect(html).toContain(`<meta name="csp-nonce" content="${nonce}"`);
    expect(index.headers.get('x-content-type-options')).toBe('nosniff');
    expect(index.headers.get('x-frame-options')).toBe('DENY');
    expect(index.headers.get('referrer-policy')).toBe('same-origin');
    expect(index.headers.get('cross-origin-opener-policy')).toBe('same-origin');
    // a fresh nonce for every page
    const again = await fetch(`${tg.url}/`);
    expect(again.headers.get('content-security-policy')).not.toContain(nonce);

    const script = /src="(\/assets\/index-[\w-]+\.js)"/.exec(html)![1]!;
    const asset = await fetch(`${tg.url}${script}`, { headers: { 'accept-encoding': 'br' } });
    expect(asset.status).toBe(200);
    expect(asset.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
    expect(asset.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(asset.headers.get('content-encoding')).toBe('br');
    expect((await asset.text()).length).toBeGreaterThan(1000);

    const missingAsset = await fetch(`${tg.url}/assets/nothing-here.js`);
    expect(missingAsset.status).toBe(404);
    const api404 = await fetch(`${tg.url}/v1/organization/nothing`);
    expect(api404.status).toBe(404);
    expect(((await api404.json()) as { error: { message: string } }).error.message).toBe('Invalid URL (GET /v1/organization/nothing)');
  });

  it('sets up the operator with the one-time link printed at first start', async () => {
    operator = await newPage();
    await operator.goto(`/setup?token=${tg.bootstrapped!.setupToken}`);
    await operator.getByRole('heading', { name: 'Set up Tollgate' }).waitFor();
    await check('setup', operator);
    await operator.getByLabel('Email address').fill('operator@example.com');
    await operator.getByLabel('Your name').fill('Olive Operator');
    await operator.getByLabel('Password').fill(PASSWORD);
    await operator.getByRole('button', { name: 'Finish setup' }).click();
    await operator.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await operator.getByRole('link', { name: 'Operator' }).waitFor();
    // the link works once
    const again = await operator.context().newPage();
    await again.goto(`/setup?token=${tg.bootstrapped!.setupToken}`);
    await again.getByLabel('Email address').fill('someone@example.com');
    await again.getByLabel('Password').fill(PASSWORD);
    await again.getByRole('button', { name: 'Finish setup' }).click();
    await again.getByRole('alert').waitFor();
    await again.close();
    ctxErrors.at(-1)!.length = 0; // the refused link's 400 is logged by the browser as a failed resource load
  });

  it('signs up, verifies the address from the mail, signs in and creates an organization', async () => {
    await page.goto('/');
    await page.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    await page.getByRole('link', { name: 'Continue with Acme SSO' }).waitFor();
    await check('sign-in');
    await page.getByRole('link', { name: 'Create an account' }).click();
    await page.getByLabel('Email address').fill(PERSON);
    await page.getByLabel('Password').fill('short');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('alert').getByText(/at least 12 characters/).waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await check('sign-up');
    await page.getByRole('button', { name: 'Create account' }).click();
    await page.getByRole('heading', { name: 'Check your email' }).waitFor();

    const link = linkIn(await smtp.next(PERSON, /Verify/));
    expect(link.startsWith(`${tg.url}/verify-email?token=`)).toBe(true);
    await page.goto(link);
    await page.getByText('Your email address is verified.').waitFor();
    await check('verify-email');

    await page.goto('/sign-in');
    await page.getByLabel('Email address').fill(PERSON);
    await page.getByLabel('Password').fill('not-the-password-at-all');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('alert').getByText('Incorrect email or password.').waitFor();
    await page.getByLabel('Password').fill(PASSWORD);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'Create your organization' }).waitFor();
    await check('create-organization');
    await page.getByLabel('Organization name').fill('Ada Lab');
    await page.getByRole('button', { name: 'Create organization' }).click();
    await page.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await check('api-keys-empty');
    errors.length = 0; // the refused sign-in's 401 and the first /v1/me's 401 are logged by the browser as failed resource loads

    // the session is an HttpOnly cookie: nothing the page's scripts can read but the CSRF token
    const cookies = await context.cookies();
    expect(cookies.find((c) => c.name === 'tollgate_session')!.httpOnly).toBe(true);
    expect(await page.evaluate(() => document.cookie)).not.toContain('tollgate_session');
    expect(await page.evaluate(() => JSON.stringify({ ...sessionStorage }) + JSON.stringify({ ...localStorage }))).not.toMatch(/sk-/);
  });

  it('adds a test card and $10 of credit, and sets up auto recharge', async () => {
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByTestId('credit-balance').waitFor();
    expect(await page.getByTestId('credit-balance').textContent()).toBe('$5.00');
    await page.getByRole('button', { name: 'Add payment method' }).click();
    const card = page.getByRole('dialog', { name: 'Add payment method' });
    await card.getByLabel('Card number').fill('1234 5678 9012 3456');
    await card.getByLabel('Expiration date').fill('12/34');
    await card.getByLabel('Security code').fill('123');
    await card.getByRole('button', { name: 'Save card' }).click();
    await card.getByRole('alert').getByText('Your card number is incorrect.').waitFor();
    errors.length = 0;
    await card.getByLabel('Card number').fill('4242 4242 4242 4242');
    await card.getByLabel('Expiration date').fill('1/2');
    await card.getByRole('button', { name: 'Save card' }).click();
    await card.getByRole('alert').getByText(/MM\/YY/).waitFor();
    await card.getByLabel('Expiration date').fill('12/34');
    await check('billing-add-card');
    await card.getByRole('button', { name: 'Save card' }).click();
    await card.waitFor({ state: 'detached' });
    await page.getByText('Visa ending in 4242, expires 12/2034').waitFor();

    await page.getByRole('button', { name: 'Add to credit balance' }).click();
    const add = page.getByRole('dialog', { name: 'Add to credit balance' });
    await add.getByText('Minimum $5.00.').waitFor();
    await add.getByLabel('Amount to add').fill('2');
    await add.getByRole('button', { name: 'Continue' }).click();
    await add.getByRole('alert').getByText('Amount to add: between $5.00 and $10,000.00.').waitFor();
    await add.getByLabel('Amount to add').fill('10');
    await check('billing-add-credit');
    await add.getByRole('button', { name: 'Continue' }).click();
    await add.waitFor({ state: 'detached' });
    await expect.poll(() => page.getByTestId('credit-balance').textContent()).toBe('$15.00');
    await page.getByRole('table', { name: 'Purchases' }).getByRole('cell', { name: '$10.00' }).waitFor();
    await page.getByTestId('next-tier').waitFor();

    await page.getByRole('checkbox', { name: 'Enable auto recharge' }).check();
    await page.getByLabel('When credit balance goes below').fill('5');
    await page.getByLabel('Bring credit balance back up to').fill('20');
    await page.getByRole('button', { name: 'Save settings' }).click();
    await page.getByRole('form', { name: 'Auto recharge' }).getByText('Saved').waitFor();
    const settings = await asPage(page, 'GET', '/v1/organization/billing/auto_recharge');
    expect(settings).toMatchObject({ enabled: true, threshold_usd: '5.00', target_usd: '20.00' });
    const credits = await asPage(page, 'GET', '/v1/organization/credits');
    expect(credits).toMatchObject({ balance_usd: '15.00', paid_usd: '10.00', granted_usd: '5.00' });
    await check('billing');
  });

  let secret = '';
  it('creates a key, shows its secret once with a copy button, and the secret answers through the openai SDK', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Create new secret key' }).click();
    const dialog = page.getByRole('dialog', { name: 'Create new secret key' });
    await dialog.getByLabel('Name').fill('browser key');
    await expect.poll(() => dialog.getByRole('radio', { name: 'All' }).getAttribute('aria-checked')).toBe('true');
    await dialog.getByRole('radio', { name: 'Restricted' }).click();
    await dialog.getByLabel('Chat completions').waitFor();
    await check('api-keys-create-restricted');
    await dialog.getByRole('radio', { name: 'All' }).click();
    await dialog.getByRole('button', { name: 'Create secret key' }).click();

    const shown = page.getByRole('dialog', { name: 'Save your key' });
    const field = shown.getByLabel('Secret key');
    await field.waitFor();
    expect(await field.getAttribute('readonly')).not.toBeNull();
    secret = await field.inputValue();
    expect(secret).toMatch(/^sk-proj-/);
    await shown.getByRole('button', { name: 'Copy' }).click();
    await expect.poll(() => page.evaluate(() => navigator.clipboard.readText())).toBe(secret);
    await check('api-keys-secret');
    await shown.getByRole('button', { name: 'Done' }).click();
    await shown.waitFor({ state: 'detached' });
    // the list shows the key redacted, never the secret
    await page.getByRole('cell', { name: 'browser key', exact: true }).waitFor();
    expect(await page.content()).not.toContain(secret);
    await page.getByRole('heading', { name: 'Make your first call' }).waitFor();
    expect(await page.locator('pre').first().textContent()).toContain(`${tg.url}/v1/chat/completions`);
    await check('api-keys');

    const openai = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: secret, maxRetries: 0 });
    const completion = await openai.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'echo: hello from the dashboard' }] });
    expect(completion.choices[0]!.message.content).toBe('hello from the dashboard');
  });

  it('sets the monthly budget and notification threshold', async () => {
    await page.getByRole('link', { name: 'Limits' }).click();
    await page.getByRole('heading', { name: 'Limits', level: 1 }).waitFor();
    const form = page.getByRole('form', { name: 'Organization budget' });
    await form.getByLabel('Monthly budget').fill('50');
    await form.getByLabel('Notification threshold').fill('75');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByText('Saved').waitFor();
    const budget = await asPage(page, 'GET', '/v1/organization/budget');
    expect(budget.monthly_limit_usd).toBe('50.00');
    expect(budget.thresholds).toContain(75);
    await form.getByText(/of \$50\.00 spent/).waitFor();
    await form.getByLabel('Monthly budget').fill('fifty');
    await form.getByRole('button', { name: 'Save' }).click();
    await form.getByRole('alert').getByText(/Monthly budget: enter a dollar amount/).waitFor();
    await check('limits');
  });

  it('shows the call and its exact cost on the usage page', async () => {
    const dayStart = Math.floor(Date.now() / 86_400_000) * 86_400;
    let exact = '0';
    await expect
      .poll(async () => {
        const costs = await asPage(page, 'GET', `/v1/organization/costs?start_time=${dayStart}`);
        exact = costs.data.flatMap((b: any) => b.results).map((r: any) => r.amount.value_exact)[0] ?? '0';
        return exact;
      }, { timeout: 45_000 })
      .not.toBe('0');
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('heading', { name: 'Usage', level: 1 }).waitFor();
    const total = page.getByTestId('total-spend');
    await expect.poll(() => total.textContent()).toBe(`$${exact}`);
    await page.getByRole('table', { name: 'Usage by day and model' }).getByRole('cell', { name: 'tollgate-sim', exact: true }).waitFor();
    // the request log lists the call, its status and its exact cost
    const log = page.getByRole('table', { name: 'Requests' });
    await log.getByRole('cell', { name: 'ok (200)' }).waitFor();
    expect(await log.getByRole('row').nth(1).textContent()).toContain(`$${exact}`);
    await page.getByLabel('Status').selectOption('error');
    await log.getByText('No requests match.').waitFor();
    await page.getByLabel('Status').selectOption('');
    await log.getByRole('cell', { name: 'ok (200)' }).waitFor();
    const download = page.waitForEvent('download');
    await page.getByRole('button', { name: 'Export CSV' }).click();
    const csv = await (await download).createReadStream();
    const text = await new Promise<string>((resolve) => {
      let body = '';
      csv.on('data', (chunk) => (body += chunk));
      csv.on('end', () => resolve(body));
    });
    expect(text.split('\n')[0]).toBe('date,model,requests,input_tokens,output_tokens,cost_usd');
    expect(text).toContain(`,tollgate-sim,1,`);
    expect(text.trim().endsWith(`,${exact}`)).toBe(true);
    await check('usage');
  });

  it('revokes the key after a confirmation, and the key stops working', async () => {
    await page.getByRole('link', { name: 'API keys' }).click();
    await page.getByRole('button', { name: 'Revoke browser key' }).click();
    const confirm = page.getByRole('alertdialog', { name: 'Revoke secret key' });
    await check('api-keys-revoke');
    await confirm.getByRole('button', { name: 'Revoke key' }).click();
    await page.getByRole('cell', { name: 'browser key', exact: true }).waitFor({ state: 'detached' });
    const openai = new OpenAI({ baseURL: `${tg.url}/v1`, apiKey: secret, maxRetries: 0 });
    await expect(openai.chat.completions.create({ model: 'tollgate-sim', messages: [{ role: 'user', content: 'hi' }] })).rejects.toMatchObject({ status: 401 });
  });

  it('works from the keyboard: the dialog traps focus, Escape closes it and focus comes back', async () => {
    const create = page.getByRole('button', { name: 'Create new secret key' });
    await create.focus();
    await page.keyboard.press('Enter');
    const dialog = page.getByRole('dialog', { name: 'Create new secret key' });
    await dialog.waitFor();
    for (let i = 0; i < 12; i++) await page.keyboard.press('Tab');
    expect(await dialog.evaluate((d) => d.contains(document.activeElement))).toBe(true);
    await page.keyboard.press('Escape');
    await dialog.waitFor({ state: 'detached' });
    expect(await create.evaluate((b) => b === document.activeElement)).toBe(true);
  });

  it('renders the other pages: billing after the call, projects, the cost calculator and the audit log', async () => {
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByTestId('credit-balance').waitFor();
    await expect.poll(() => page.getByTestId('credit-balance').textContent()).toMatch(/^\$14\.99/);

    await page.getByRole('link', { name: 'Projects' }).click();
    await page.getByRole('button', { name: 'Create project' }).click();
    await page.getByRole('dialog', { name: 'Create project' }).getByLabel('Project name').fill('Research');
    await page.getByRole('dialog', { name: 'Create project' }).getByRole('button', { name: 'Create' }).click();
    await page.getByRole('cell', { name: 'Research', exact: true }).waitFor();
    // the new project is now the current one in the switcher
    await expect.poll(() => page.getByLabel('Project', { exact: true }).evaluate((s: HTMLSelectElement) => s.selectedOptions[0]!.text)).toBe('Research');
    await check('projects');

    await page.getByRole('link', { name: 'Cost calculator' }).click();
    await page.getByRole('button', { name: 'Estimate' }).click();
    await page.getByRole('cell', { name: 'tollgate-sim', exact: true }).waitFor();
    await check('cost-calculator');

    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('cell', { name: 'api_key.revoked' }).waitFor();
    await check('audit-log');
  });

  let organizationId = '';
  it('shows a Reader no billing controls', async () => {
    organizationId = (await asPage(page, 'GET', '/v1/me')).organizations[0].id;
    await page.getByRole('link', { name: 'Members' }).click();
    await page.getByRole('table', { name: 'Members' }).getByRole('cell', { name: PERSON, exact: true }).waitFor();
    await page.getByRole('button', { name: 'Invite member' }).click();
    const invite = page.getByRole('dialog', { name: 'Invite a member' });
    await invite.getByLabel('Email address').fill('rita@example.com');
    await invite.getByLabel('Role').selectOption('reader');
    await check('members-invite');
    await invite.getByRole('button', { name: 'Send invite' }).click();
    await page.getByText('rita@example.com as Reader').waitFor();
    await check('members');
    const link = linkIn(await smtp.next('rita@example.com', /invited/, 60_000)); // mail is slow on a loaded machine
    const reader = await newPage();
    await reader.goto(link);
    await reader.getByRole('heading', { name: 'Join Ada Lab' }).waitFor();
    await reader.getByText('Reader').waitFor();
    await check('invite', reader);
    await reader.getByLabel('Password').fill(PASSWORD);
    await reader.getByRole('button', { name: 'Accept invite' }).click();
    await reader.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    await reader.getByRole('link', { name: 'Billing' }).click();
    await reader.getByText('Only Owners of the organization can see the credit balance').waitFor();
    await check('billing-reader', reader);
    for (const name of ['Add payment method', 'Add to credit balance', 'Save settings']) expect(await reader.getByRole('button', { name }).count()).toBe(0);
    expect(await reader.getByRole('checkbox', { name: 'Enable auto recharge' }).count()).toBe(0);
    expect(await reader.getByTestId('credit-balance').count()).toBe(0);
    expect(await reader.getByRole('link', { name: 'Audit log' }).count()).toBe(0);
    expect(await reader.getByRole('link', { name: 'Operator' }).count()).toBe(0);
    await reader.getByRole('link', { name: 'Members' }).click();
    await reader.getByRole('table', { name: 'Members' }).getByRole('cell', { name: 'rita@example.com', exact: true }).waitFor();
    expect(await reader.getByRole('button', { name: 'Invite member' }).count()).toBe(0);
    expect(await reader.getByRole('button', { name: `Remove ${PERSON}` }).count()).toBe(0);
    // and the API behind them refuses the Reader too
    const refused = await reader.request.get('/v1/organization/credits');
    expect(refused.status()).toBe(403);
    await reader.context().close();
  });

  it('lets the operator grant credit to the organization', async () => {
    await operator.getByRole('link', { name: 'Operator' }).click();
    await operator.getByRole('heading', { name: 'Operator', level: 1 }).waitFor();
    await operator.getByRole('cell', { name: 'Ada Lab', exact: true }).waitFor();
    await check('operator', operator);
    await operator.getByRole('button', { name: 'Grant credit to Ada Lab' }).click();
    const grant = operator.getByRole('dialog', { name: 'Grant credit' });
    await grant.getByLabel('Amount').fill('25');
    await grant.getByLabel('Description').fill('Research credit');
    await grant.getByRole('button', { name: 'Grant credit' }).click();
    await grant.getByText(/^Granted \$25\.00\. The balance is now \$39\.99/).waitFor();
    await check('operator-grant', operator);
    await grant.getByRole('button', { name: 'Close' }).click();
    const credits = await asPage(page, 'GET', '/v1/organization/credits');
    expect(credits.granted_usd).toBe('30.00');
    await page.getByRole('link', { name: 'Usage' }).click();
    await page.getByRole('link', { name: 'Billing' }).click();
    await expect.poll(() => page.getByTestId('credit-balance').textContent()).toMatch(/^\$39\.99/);
    expect(organizationId).toMatch(/^org_/);
  });

  it('signs in with SSO against the OpenID Connect provider', async () => {
    const sso = await newPage();
    await sso.goto('/sign-in');
    await sso.getByLabel('Email address').fill('grace@example.com');
    await sso.getByRole('link', { name: 'Continue with Acme SSO' }).click();
    // through the provider and back: a new account, signed in, asked for its organization
    await sso.getByRole('heading', { name: 'Create your organization' }).waitFor();
    expect(new URL(sso.url()).pathname).toBe('/api-keys');
    const me = await asPage(sso, 'GET', '/v1/me');
    expect(me).toMatchObject({ email: 'grace@example.com', name: 'Grace Hopper', email_verified: true });
    await check('sso-signed-in', sso);

    // With an authenticator app on, SSO stops at the second factor: a recovery code finishes it.
    const enrollment = await asPage(sso, 'POST', '/v1/me/totp');
    const code = new TOTP({ secret: Secret.fromBase32(enrollment.secret), digits: enrollment.digits ?? 6, period: enrollment.period ?? 30 }).generate();
    const { recovery_codes: recovery } = await asPage(sso, 'POST', '/v1/me/totp/confirm', { code });
    await sso.getByRole('button', { name: 'Sign out' }).click();
    await sso.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    expect((await sso.request.get('/v1/me')).status()).toBe(401);
    await sso.getByLabel('Email address').fill('grace@example.com');
    await sso.getByRole('link', { name: 'Continue with Acme SSO' }).click();
    await sso.getByRole('heading', { name: 'Two-step verification' }).waitFor();
    await check('second-factor', sso);
    await sso.getByRole('button', { name: 'Use a recovery code' }).click();
    await sso.getByLabel('Recovery code').fill(recovery[0]);
    await sso.getByRole('button', { name: 'Verify' }).click();
    await sso.getByRole('heading', { name: 'Create your organization' }).waitFor();
    expect((await asPage(sso, 'GET', '/v1/me')).email).toBe('grace@example.com');
    await sso.getByRole('button', { name: 'Sign out' }).click();
    await sso.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    await sso.context().close();
  });

  it('has a dark theme and fits a phone', async () => {
    const small = await newPage({ width: 390, dark: true });
    await small.goto('/');
    await small.getByLabel('Email address').fill(PERSON);
    await small.getByLabel('Password').fill(PASSWORD);
    await small.getByRole('button', { name: 'Sign in' }).click();
    await small.getByRole('heading', { name: 'API keys', level: 1 }).waitFor();
    const background = await small.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(18, 20, 23)');
    // nothing wider than the screen but the tables, which scroll inside their frame
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    violations['phone-dark'] = await seriousViolations(small);
    await screenshot(small, 'api-keys-phone-dark');
    await small.context().close();
  });

  it('signs out: the session ends on the server and the page asks to sign in again', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { name: 'Sign in to Tollgate' }).waitFor();
    expect((await page.request.get('/v1/me')).status()).toBe(401);
    expect((await context.cookies()).find((c) => c.name === 'tollgate_session')).toBeUndefined();
  });

  it('has no serious or critical accessibility violation and no console error on any page', () => {
    expect(Object.keys(violations).length).toBeGreaterThanOrEqual(20);
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    expect([...errors, ...ctxErrors.flat()]).toEqual([]);
  });
});
