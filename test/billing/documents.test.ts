import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatUsdExact, parseUsd } from '../../src/common/money.js';
import { client, manualClock, type Call } from '../helpers/admin.js';
import { addOrganization, USD } from '../helpers/billing.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';

const CARD = { card: { number: '4242424242424242', exp_month: 12, exp_year: 2034, cvc: '123' } };
const PRICES = { pricing: { models: { 'tollgate-sim': { input: '0.15', output: '0.6' } } } };

async function pdfText(url: string, key: string): Promise<{ text: string; type: string | null; disposition: string | null }> {
  const res = await fetch(url, { headers: { authorization: `Bearer ${key}` } });
  expect(res.status).toBe(200);
  const bytes = Buffer.from(await res.arrayBuffer());
  expect(bytes.subarray(0, 5).toString()).toBe('%PDF-');
  const parser = new PDFParse({ data: bytes });
  try {
    return { text: (await parser.getText()).text, type: res.headers.get('content-type'), disposition: res.headers.get('content-disposition') };
  } finally {
    await parser.destroy();
  }
}

const csvRows = (text: string) => text.trimEnd().split('\r\n').map((line) => line.split(','));

describe('receipts and monthly statements', () => {
  const clock = manualClock(Date.UTC(2026, 3, 20, 10));
  let tg: TestTollgate;
  let tenant: Awaited<ReturnType<typeof addOrganization>>;
  let owner: Call;
  let purchaseId: string;
  let receiptNumber: string;
  let goodCard: string;
  beforeAll(async () => {
    tg = await startTestTollgate({ ...PRICES, billing: { issuer_name: 'Example Hosting Ltd' }, metering: { flush_interval_ms: 20 } }, { clock });
    tenant = await addOrganization(tg, 'Acme');
    owner = client(tg.url, tenant.adminKey);
  });
  afterAll(() => tg.stop());

  const chat = async (text: string) => {
    const res = await client(tg.url, tenant.projectKey)('POST', '/v1/chat/completions', { model: 'tollgate-sim', max_tokens: 6, messages: [{ role: 'user', content: `echo: ${text}` }] });
    expect(res.status).toBe(200);
    return parseUsd(res.headers.get('x-tollgate-cost-usd')!);
  };

  it('keeps the billing details an Owner gives, and checks them', async () => {
    const set = await owner('POST', '/v1/organization/billing/profile', {
      legal_name: 'Acme Widgets GmbH',
      email: 'billing@acme.example',
      address: { line1: 'Hauptstrasse 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
      tax_id: 'DE123456789',
    });
    expect(set.status).toBe(200);
    expect(set.body).toMatchObject({ object: 'billing.profile', name: 'Acme', legal_name: 'Acme Widgets GmbH', tax_id: 'DE123456789', address: { city: 'Berlin', country: 'DE' } });
    const bad = await owner('POST', '/v1/organization/billing/profile', { address: { country: 'Germany' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.param).toBe('address.country');
    expect((await owner('GET', '/v1/organization/billing/profile')).body.legal_name).toBe('Acme Widgets GmbH');
  });

  it('gives every successful purchase a receipt, as JSON, CSV and PDF', async () => {
    const saved = await owner('POST', '/v1/organization/billing/payment_methods', CARD);
    expect(saved.status).toBe(201);
    goodCard = saved.body.id;
    const bought = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '10' });
    expect(bought.status).toBe(200);
    purchaseId = bought.body.id;
    receiptNumber = bought.body.receipt_number;
    const path = `/v1/organization/billing/purchases/${purchaseId}/receipt`;

    const json = await owner('GET', path);
    expect(json.body).toEqual({
      object: 'billing.receipt',
      number: receiptNumber,
      purchase_id: purchaseId,
      issuer: 'Example Hosting Ltd',
      date: clock.now() / 1000,
      description: 'Credit purchase',
      amount_usd: '10.00',
      currency: 'usd',
      payment_method: { brand: 'visa', last4: '4242' },
      organization: {
        id: tenant.id,
        name: 'Acme',
        legal_name: 'Acme Widgets GmbH',
        email: 'billing@acme.example',
        address: { line1: 'Hauptstrasse 1', city: 'Berlin', postal_code: '10115', country: 'DE' },
        tax_id: 'DE123456789',
      },
    });

    const csv = await owner('GET', `${path}?format=csv`);
    expect(csv.headers.get('content-type')).toBe('text/csv; charset=utf-8');
    expect(csvRows(csv.body)).toEqual([
      ['receipt_number', 'date', 'description', 'amount_usd', 'currency', 'card_brand', 'card_last4', 'organization', 'legal_name', 'tax_id'],
      [receiptNumber, '2026-04-20', 'Credit purchase', '10.00', 'usd', 'visa', '4242', 'Acme', 'Acme Widgets GmbH', 'DE123456789'],
    ]);

    const pdf = await pdfText(`${tg.url}${path}?format=pdf`, tenant.adminKey);
    expect(pdf.type).toBe('application/pdf');
    expect(pdf.disposition).toBe(`attachment; filename="receipt-${receiptNumber}.pdf"`);
    for (const text of [`Receipt ${receiptNumber}`, 'Issued by Example Hosting Ltd', 'Date: 2026-04-20', 'Acme Widgets GmbH', 'Hauptstrasse 1', '10115 Berlin', 'Tax ID: DE123456789', 'Total paid (USD)', '$10.00', 'Paid with visa ending in 4242']) {
      expect(pdf.text).toContain(text);
    }
  });

  it('numbers receipts in sequence and keeps them to their organization', async () => {
    const second = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '5' });
    expect(Number(second.body.receipt_number.slice(3))).toBe(Number(receiptNumber.slice(3)) + 1);
    const stranger = await client(tg.url, tg.adminKey)('GET', `/v1/organization/billing/purchases/${purchaseId}/receipt`);
    expect(stranger.status).toBe(404);
    const declined = await owner('POST', '/v1/organization/billing/payment_methods', { card: { number: '4000000000000341', exp_month: 1, exp_year: 2031, cvc: '111' } });
    const failed = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '5', payment_method_id: declined.body.id });
    expect(failed.status).toBe(402);
    const failedId = failed.body.error.message.match(/purchase (pur_\w+)/)[1];
    const none = await owner('GET', `/v1/organization/billing/purchases/${failedId}/receipt`);
    expect(none.status).toBe(404);
    expect(none.body.error.message).toMatch(/only a successful purchase has one/);
    const badFormat = await owner('GET', `/v1/organization/billing/purchases/${purchaseId}/receipt?format=docx`);
    expect(badFormat.status).toBe(400);
    expect(badFormat.body.error.param).toBe('format');
  });

  it('states a month: opening balance + purchases + grants - usage = closing balance, to the picodollar, in every format', async () => {
    const usedApril = (await chat('april one')) + (await chat('april two, a little longer'));
    await client(tg.url, tg.adminKey)('POST', '/v1/organization/credits/grants', { amount_usd: '2.5', description: 'goodwill' }, { 'openai-organization': tenant.id });
    // Into May: a purchase and usage that belong to May's statement.
    clock.advance(14 * 86_400_000);
    const usedMay = await chat('may');
    // The good card by name: the declining card saved by the test before may be the default now.
    const mayPurchase = await owner('POST', '/v1/organization/billing/purchases', { amount_usd: '7', payment_method_id: goodCard });
    expect(mayPurchase.status).toBe(200);
    await tg.services.recorder.flush();

    const april = await owner('GET', '/v1/organization/billing/statements/2026-04');
    expect(april.status).toBe(200);
    const closingApril = 5n * USD + 15n * USD + parseUsd('2.5') - usedApril;
    expect(april.body).toMatchObject({
      object: 'billing.statement',
      period: '2026-04',
      period_start: Date.UTC(2026, 3, 1) / 1000,
      period_end: Date.UTC(2026, 4, 1) / 1000,
      organization: { legal_name: 'Acme Widgets GmbH' },
      opening_balance_usd: '0.00',
      purchases_total_usd: '15.00',
      credits_total_usd: '7.50',
      usage: [{ project_name: 'Default', model: 'tollgate-sim', requests: 2, cost_usd: formatUsdExact(usedApril) }],
      usage_total_usd: formatUsdExact(usedApril),
      closing_balance_usd: formatUsdExact(closingApril),
    });
    expect(april.body.purchases.map((p: any) => [p.amount_usd, p.receipt_number])).toEqual([
      ['10.00', receiptNumber],
      ['5.00', expect.stringMatching(/^TG-/)],
    ]);
    expect(april.body.credits.map((c: any) => [c.kind, c.amount_usd, c.description])).toEqual([
      ['grant', '5.00', expect.any(String)],
      ['grant', '2.50', 'goodwill'],
    ]);

    const may = await owner('GET', '/v1/organization/billing/statements/2026-05');
    expect(may.body).toMatchObject({ opening_balance_usd: formatUsdExact(closingApril), purchases_total_usd: '7.00', usage_total_usd: formatUsdExact(usedMay), closing_balance_usd: formatUsdExact(closingApril + 7n * USD - usedMay) });
    // The closing balance of the last month is the balance now.
    expect((await owner('GET', '/v1/organization/credits')).body.balance_usd).toBe(may.body.closing_balance_usd);

    const csv = csvRows((await owner('GET', '/v1/organization/billing/statements/2026-04?format=csv')).body);
    expect(csv[0]).toEqual(['section', 'date', 'description', 'project', 'model', 'requests', 'amount_usd']);
    expect(csv[1]).toEqual(['opening_balance', '2026-04-01', 'Balance on 2026-04-01', '', '', '', '0.00']);
    expect(csv.filter((r) => r[0] === 'usage')).toEqual([['usage', '', 'Usage', 'Default', 'tollgate-sim', '2', formatUsdExact(-usedApril)]]);
    expect(csv.at(-1)).toEqual(['closing_balance', '2026-04-30', 'Balance at the end of 2026-04', '', '', '', formatUsdExact(closingApril)]);
    const csvSum = csv.slice(2, -1).reduce((t, r) => t + parseUsd(r[6]!), 0n);
    expect(csvSum).toBe(closingApril);

    const pdf = await pdfText(`${tg.url}/v1/organization/billing/statements/2026-04?format=pdf`, tenant.adminKey);
    for (const text of ['Statement 2026-04', 'Period: 2026-04-01 to 2026-04-30 (UTC)', 'Acme Widgets GmbH', 'Opening balance', '$0.00', `(receipt ${receiptNumber})`, 'grant: goodwill', 'Default / tollgate-sim: 2 requests', `-$${formatUsdExact(usedApril)}`, 'Closing balance', `$${formatUsdExact(closingApril)}`]) {
      expect(pdf.text).toContain(text);
    }
  });

  it('refuses a period that is not a month', async () => {
    for (const period of ['2026-13', '2026-4', 'april']) {
      const res = await owner('GET', `/v1/organization/billing/statements/${period}`);
      expect(res.status).toBe(400);
      expect(res.body.error.param).toBe('period');
    }
  });
});
