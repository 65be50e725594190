import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { PDFParse } from 'pdf-parse';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addOrganization } from '../helpers/billing.js';
import { startTestTollgate, tempDir, type TestTollgate } from '../helpers/tollgate.js';

const BIN = fileURLToPath(new URL('../../bin/tollgate.mjs', import.meta.url));

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

async function tollgate(args: string[], env: Record<string, string>): Promise<Run> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { env: { ...process.env, TOLLGATE_URL: '', ...env }, timeout: 120_000 });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

// Each run spawns a real `tollgate` process: generous timeouts.
describe('tollgate billing / credits / budgets / limits', { timeout: 600_000 }, () => {
  let tg: TestTollgate;
  let tenant: Awaited<ReturnType<typeof addOrganization>>;
  const out = tempDir();
  let owner: (args: string[]) => Promise<Run>;
  let operator: (args: string[]) => Promise<Run>;
  beforeAll(async () => {
    tg = await startTestTollgate();
    tenant = await addOrganization(tg, 'Acme');
    owner = (args) => tollgate([...args, '--url', tg.url], { TOLLGATE_ADMIN_KEY: tenant.adminKey });
    operator = (args) => tollgate([...args, '--url', tg.url], { TOLLGATE_ADMIN_KEY: tg.adminKey });
  });
  afterAll(async () => {
    await tg.stop();
    out.remove();
  });

  it('adds a card, buys $10, sets auto-recharge, shows the tier rise and downloads the receipt', async () => {
    const card = await owner(['billing', 'cards', 'add', '--number', '4242424242424242', '--exp', '12/2034', '--cvc', '123', '--json']);
    expect(card.code).toBe(0);
    expect(JSON.parse(card.stdout)).toMatchObject({ object: 'billing.payment_method', card: { brand: 'visa', last4: '4242' } });

    const buy = await owner(['billing', 'buy', '10', '--idempotency-key', 'cli-order-1']);
    expect(buy.code).toBe(0);
    expect(buy.stdout).toMatch(/^status\s+succeeded$/m);
    expect(buy.stdout).toMatch(/^amount_usd\s+10\.00$/m);
    const receiptNumber = /^receipt_number\s+(TG-\d{6})$/m.exec(buy.stdout)![1]!;
    const purchaseId = /^id\s+(pur_\w+)$/m.exec(buy.stdout)![1]!;

    const recharge = await owner(['billing', 'auto-recharge', '--on', '--threshold', '5', '--target', '20']);
    expect(recharge.stdout).toMatch(/^enabled\s+true$/m);
    expect(recharge.stdout).toMatch(/^threshold_usd\s+5\.00$/m);

    const tier = await owner(['limits', 'tier']);
    expect(tier.stdout).toMatch(/^tier\s+tier-1$/m);
    expect(tier.stdout).toMatch(/^paid_usd\s+10\.00$/m);

    const purchases = await owner(['billing', 'purchases']);
    const lines = purchases.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID\s+CREATED_AT\s+SOURCE\s+STATUS\s+AMOUNT_USD\s+RECEIPT_NUMBER$/);
    expect(lines[1]).toContain(receiptNumber);

    const file = join(out.path, 'receipt.pdf');
    const pdf = await owner(['billing', 'receipt', purchaseId, '--format', 'pdf', '--output', file]);
    expect(pdf.code).toBe(0);
    const parser = new PDFParse({ data: readFileSync(file) });
    const text = (await parser.getText()).text;
    await parser.destroy();
    expect(text).toContain(`Receipt ${receiptNumber}`);
    expect(text).toContain('Paid with visa ending in 4242');
  });

  it("grants credit as the operator only, and shows budgets and limits in the one table style", async () => {
    const refused = await owner(['credits', 'grant', '100']);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/^tollgate: 403: Only the operator/);
    const grant = await operator(['credits', 'grant', '2.50', '--org', tenant.id, '--description', 'support credit']);
    expect(grant.code).toBe(0);
    expect(grant.stdout).toMatch(/^amount_usd\s+2\.50$/m);
    expect(grant.stdout).toMatch(/^balance_usd\s+17\.50$/m);

    const budget = await owner(['budgets', 'set', '--project', tenant.projectId, '--monthly-usd', '12', '--thresholds', '50,90']);
    expect(budget.stdout).toMatch(/^monthly_limit_usd\s+12\.00$/m);
    expect(budget.stdout).toMatch(/^thresholds\s+\[50,90\]$/m);

    const set = await owner(['limits', 'project', tenant.projectId, '--model', 'tollgate-sim', '--rpm', '7']);
    expect(set.code).toBe(0);
    const limits = await owner(['limits', 'project', tenant.projectId]);
    expect(limits.stdout).toMatch(/^MODEL\s+MAX_REQUESTS_PER_1_MINUTE\s+MAX_TOKENS_PER_1_MINUTE$/m);
    expect(limits.stdout).toMatch(/^tollgate-sim\s+7\s+/m);

    const ledger = await owner(['billing', 'ledger', '--limit', '2']);
    const rows = ledger.stdout.trimEnd().split('\n');
    expect(rows[0]).toMatch(/^SEQ\s+EFFECTIVE_AT\s+KIND\s+AMOUNT_USD\s+BALANCE_AFTER_USD\s+DESCRIPTION$/);
    expect(rows[1]).toMatch(/^3\s+\S+\s+grant\s+2\.50\s+17\.50\s+support credit$/);
    expect(rows.at(-1)).toMatch(/^\.\.\. more: add --after led_/);

    const local = await tollgate(['billing', 'balance'], { TOLLGATE_ADMIN_KEY: tenant.adminKey });
    expect(local.code).toBe(1);
    expect(local.stderr).toMatch(/billing commands talk to a running server/);
  });
});
