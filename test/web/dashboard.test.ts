/// <reference lib="dom" />
import OpenAI from 'openai';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { client, type Call } from '../helpers/admin.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { ensureDashboardBuilt, hasChromium, launchBrowser, screenshot, seriousViolations, watchErrors } from './browser.js';

/**
 * The dashboard in a real Chromium against a real Tollgate: one server and
 * one browser for the file. Every page visited is checked with axe and
 * photographed (test-results/screenshots), and no page may log an error.
 */
if (!hasChromium) console.log('dashboard browser tests skipped: /usr/bin/chromium is missing (apt-get install chromium; .ci/run installs it)');

// Each step drives real pages and runs axe on them: generous per-test time on a busy 2-core machine.
describe.skipIf(!hasChromium)('the dashboard in Chromium', { timeout: 120_000 }, () => {
  let tg: TestTollgate;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  let errors: string[];
  let admin: Call;
  const violations: Record<string, string[]> = {};

  async function check(name: string): Promise<void> {
    await page.waitForLoadState('networkidle');
    violations[name] = await seriousViolations(page);
    await screenshot(page, name);
  }

  beforeAll(async () => {
    ensureDashboardBuilt();
    [tg, browser] = await Promise.all([startTestTollgate(), launchBrowser()]);
    admin = client(tg.url, tg.adminKey);
    context = await browser.newContext({ baseURL: tg.url, viewport: { width: 1280, height: 860 } });
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: tg.url });
    errors = watchErrors(context);
    page = await context.newPage();
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await tg?.stop();
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

  it('refuses a wrong key at sign-in and opens the dashboard with the admin key', async () => {
    await page.goto('/');
    await check('sign-in');
    await page.getByLabel('Admin key').fill('sk-admin-not-a-real-key');
    await page.getByRole('button', { name: 'Sign in' }).click();
    await expect.poll(() => page.getByRole('alert').textContent()).toContain('not valid');
    errors.length = 0; // the refused sign-in's 401 is logged by the browser as a failed resource load
    await page.getByLabel('Admin key').fill(tg.adminKey);
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('heading', { name: 'API keys' }).waitFor();
    await check('api-keys-empty');
  });

  let secret = '';
  it('creates a key, shows its secret once with a copy button, and the secret answers through the openai SDK', async () => {
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
    const budget = (await admin('GET', '/v1/organization/budget')).body;
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
        const costs = (await admin('GET', `/v1/organization/costs?start_time=${dayStart}`)).body;
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

  it('renders the other pages: billing, projects, the cost calculator and the audit log', async () => {
    await page.getByRole('link', { name: 'Billing' }).click();
    await page.getByTestId('credit-balance').waitFor();
    expect(await page.getByTestId('credit-balance').textContent()).toMatch(/^\$4\.99/);
    await check('billing');

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

  it('has a dark theme and fits a phone', async () => {
    const phone = await browser.newContext({ baseURL: tg.url, viewport: { width: 390, height: 844 }, colorScheme: 'dark', isMobile: true });
    const phoneErrors = watchErrors(phone);
    const small = await phone.newPage();
    await small.goto('/');
    await small.getByLabel('Admin key').fill(tg.adminKey);
    await small.getByRole('button', { name: 'Sign in' }).click();
    await small.getByRole('heading', { name: 'API keys' }).waitFor();
    const background = await small.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(background).toBe('rgb(18, 20, 23)');
    // nothing wider than the screen but the tables, which scroll inside their frame
    expect(await small.evaluate(() => document.documentElement.scrollWidth)).toBeLessThanOrEqual(390);
    violations['phone-dark'] = await seriousViolations(small);
    await screenshot(small, 'api-keys-phone-dark');
    await phone.close();
    expect(phoneErrors).toEqual([]);
  });

  it('has no serious or critical accessibility violation and no console error on any page', () => {
    expect(Object.keys(violations).length).toBeGreaterThanOrEqual(10);
    expect(violations).toEqual(Object.fromEntries(Object.keys(violations).map((k) => [k, []])));
    expect(errors).toEqual([]);
  });
});
