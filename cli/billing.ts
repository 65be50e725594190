import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { CliError, formatList, formatObject, int } from './manage-format.js';

/**
 * `tollgate billing|credits|budgets|limits`: money and limits from the shell,
 * over HTTP to a running server (payments need its payment provider and
 * workers), as the admin key in TOLLGATE_ADMIN_KEY. The server decides who
 * may do what: grants, adjustments and tier overrides take an operator key.
 * Printed in the one table style of every CLI command (`--json` for the raw answer).
 */
interface Flags {
  url?: string;
  org?: string;
  json?: boolean;
  [name: string]: any;
}

interface Http {
  (method: string, path: string, options?: { body?: unknown; query?: Record<string, string | undefined>; headers?: Record<string, string> }): Promise<any>;
  raw(path: string, query: Record<string, string>): Promise<Buffer>;
}

function http(flags: Flags): Http {
  const base = (flags.url ?? process.env.TOLLGATE_URL)?.replace(/\/+$/, '');
  if (!base) throw new CliError('billing commands talk to a running server: pass --url (or set TOLLGATE_URL) and TOLLGATE_ADMIN_KEY');
  const key = process.env.TOLLGATE_ADMIN_KEY;
  if (!key) throw new CliError('set TOLLGATE_ADMIN_KEY to an admin key (sk-admin-...)');
  const headers = { authorization: `Bearer ${key}`, 'user-agent': 'tollgate-cli', ...(flags.org ? { 'openai-organization': flags.org } : {}) };
  const url = (path: string, query: Record<string, string | undefined> = {}) => {
    const search = new URLSearchParams(Object.entries(query).filter((e): e is [string, string] => e[1] !== undefined)).toString();
    return `${base}/v1/organization${path}${search ? `?${search}` : ''}`;
  };
  const send = async (target: string, init: RequestInit): Promise<Response> => {
    let response: Response;
    try {
      response = await fetch(target, init);
    } catch (err) {
      throw new CliError(`cannot reach ${base}: ${(err as Error).message}`);
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => null)) as { error?: { message?: string } } | null;
      throw new CliError(`${response.status}: ${body?.error?.message ?? 'request failed'}`);
    }
    return response;
  };
  const call: Http = Object.assign(
    async (method: string, path: string, options: { body?: unknown; query?: Record<string, string | undefined>; headers?: Record<string, string> } = {}) => {
      const response = await send(url(path, options.query), {
        method,
        headers: { ...headers, ...(options.body !== undefined ? { 'content-type': 'application/json' } : {}), ...options.headers },
        body: options.body === undefined ? undefined : JSON.stringify(options.body),
      });
      return response.json();
    },
    { raw: async (path: string, query: Record<string, string>) => Buffer.from(await (await send(url(path, query), { headers })).arrayBuffer()) },
  );
  return call;
}

type Action = (call: Http, args: string[], flags: Flags) => Promise<{ value: unknown; text: string }>;

function act(action: Action) {
  return async (...received: unknown[]) => {
    const command = received[received.length - 1] as Command;
    const flags = command.optsWithGlobals() as Flags;
    const args = received.slice(0, -2).filter((a): a is string => typeof a === 'string');
    try {
      const { value, text } = await action(http(flags), args, flags);
      process.stdout.write(`${flags.json ? JSON.stringify(value, null, 2) : text}\n`);
    } catch (err) {
      process.stderr.write(`tollgate: ${err instanceof Error ? err.message : String(err)}\n`);
      process.exitCode = 1;
    }
  };
}

function connected(cmd: Command): Command {
  return cmd
    .option('--url <url>', 'the server (env TOLLGATE_URL); the admin key comes from TOLLGATE_ADMIN_KEY')
    .option('--org <org_id>', 'operator: act in this organization (OpenAI-Organization)')
    .option('--json', 'print the raw JSON answer');
}

/** Help text ending in examples that run the command itself. */
function example(cmd: Command, ...lines: string[]): Command {
  return cmd.addHelpText('after', `\nExample${lines.length > 1 ? 's' : ''}:\n${lines.map((l) => `  $ tollgate ${l}`).join('\n')}`);
}

const object = (value: any) => ({ value, text: formatObject(value) });
const list = (value: any, columns: string[]) => ({ value, text: formatList(value, columns) });
const usd = (text: string, option: string) => {
  if (!/^-?\d+(\.\d{1,12})?$/.test(text)) throw new CliError(`${option}: expected a USD amount such as 10 or 12.50, got '${text}'`);
  return text;
};
const idempotency = (flags: Flags): Record<string, string> => (flags.idempotencyKey ? { 'idempotency-key': flags.idempotencyKey } : {});

/** `--format pdf --output receipt.pdf` writes the file; JSON and CSV print. */
async function document(call: Http, path: string, flags: Flags): Promise<{ value: unknown; text: string }> {
  const format = flags.format ?? 'json';
  if (!['json', 'csv', 'pdf'].includes(format)) throw new CliError(`--format: json, csv or pdf, not '${format}'`);
  if (format === 'json') return object(await call('GET', path));
  const bytes = await call.raw(path, { format });
  if (flags.output) {
    writeFileSync(flags.output, bytes);
    return { value: { written: flags.output, bytes: bytes.length }, text: `wrote ${flags.output} (${bytes.length} bytes)` };
  }
  if (format === 'pdf') throw new CliError('--format pdf needs --output FILE');
  return { value: bytes.toString(), text: bytes.toString().trimEnd() };
}

function registerBilling(program: Command): void {
  const billing = example(program.command('billing').description('Credit balance, ledger, cards, purchases, auto-recharge, tier, receipts and statements.'), 'billing balance --url http://127.0.0.1:8787');
  example(connected(billing.command('balance').description('The credit balance: granted, paid, used.')), 'billing balance --url http://127.0.0.1:8787').action(act(async (call) => object(await call('GET', '/credits'))));
  example(connected(billing.command('ledger').description('The ledger, newest first, each entry with the balance after it.')), 'billing ledger --kind purchase --limit 50')
    .option('--kind <kind>', 'purchase, grant, usage, refund, adjustment or expiry')
    .option('--limit <n>', 'entries per page')
    .option('--after <entry_id>', 'continue after this entry')
    .action(act(async (call, _a, f) => list(await call('GET', '/credits/ledger', { query: { kind: f.kind, limit: f.limit, after: f.after } }), ['seq', 'effective_at', 'kind', 'amount_usd', 'balance_after_usd', 'description'])));
  example(connected(billing.command('tier').description('The usage tier, its limits, the paid total and what the next tier needs.')), 'billing tier').action(act(async (call) => object(await call('GET', '/limits/tier'))));

  const cards = example(billing.command('cards').description('Saved cards.'), 'billing cards list');
  example(connected(cards.command('list').description('Saved cards (brand, last 4, expiry).')), 'billing cards list').action(act(async (call) => list(await call('GET', '/billing/payment_methods'), ['id', 'card.brand', 'card.last4', 'card.exp_month', 'card.exp_year', 'created_at'])));
  example(connected(cards.command('add').description('Save a card (the test payment provider; with Stripe cards are added in the dashboard).')), 'billing cards add --number 4242424242424242 --exp 12/2034 --cvc 123')
    .requiredOption('--number <number>', 'card number, e.g. 4242424242424242')
    .requiredOption('--exp <MM/YYYY>', 'expiry')
    .requiredOption('--cvc <cvc>', 'security code')
    .action(act(async (call, _a, f) => {
      const match = /^(\d{1,2})\/(\d{4})$/.exec(f.exp);
      if (!match) throw new CliError(`--exp: expected MM/YYYY, got '${f.exp}'`);
      return object(await call('POST', '/billing/payment_methods', { body: { card: { number: f.number, exp_month: Number(match[1]), exp_year: Number(match[2]), cvc: f.cvc } } }));
    }));
  example(connected(cards.command('remove <payment_method_id>').description('Remove a card.')), 'billing cards remove pmt_01jd...').action(act(async (call, [id]) => object(await call('DELETE', `/billing/payment_methods/${encodeURIComponent(id!)}`))));

  example(connected(billing.command('buy <amount_usd>').description('Buy credit with a saved card (Owner or operator).')), 'billing buy 10 --idempotency-key order-2026-001')
    .option('--card <payment_method_id>', 'default: the most recently added card')
    .option('--idempotency-key <key>', 'a retry with the same key never charges twice')
    .action(act(async (call, [amount], f) => object(await call('POST', '/billing/purchases', { body: { amount_usd: usd(amount!, 'amount'), ...(f.card ? { payment_method_id: f.card } : {}) }, headers: idempotency(f) }))));
  example(connected(billing.command('purchases').description('Credit purchases, newest first.')), 'billing purchases --limit 10')
    .option('--limit <n>', 'purchases per page')
    .option('--after <purchase_id>', 'continue after this purchase')
    .action(act(async (call, _a, f) => list(await call('GET', '/billing/purchases', { query: { limit: f.limit, after: f.after } }), ['id', 'created_at', 'source', 'status', 'amount_usd', 'receipt_number'])));
  example(connected(billing.command('auto-recharge').description('Show, or set with --on/--off: when the balance goes below --threshold, bring it back up to --target.')), 'billing auto-recharge', 'billing auto-recharge --on --threshold 5 --target 20')
    .option('--on', 'turn auto-recharge on')
    .option('--off', 'turn auto-recharge off')
    .option('--threshold <usd>', 'when the credit balance goes below this ...')
    .option('--target <usd>', '... bring it back up to this')
    .option('--card <payment_method_id>', 'the card to charge')
    .action(act(async (call, _a, f) => {
      if (f.on && f.off) throw new CliError('choose --on or --off');
      if (!f.on && !f.off) return object(await call('GET', '/billing/auto_recharge'));
      const body: Record<string, unknown> = { enabled: Boolean(f.on) };
      if (f.threshold) body.threshold_usd = usd(f.threshold, '--threshold');
      if (f.target) body.target_usd = usd(f.target, '--target');
      if (f.card) body.payment_method_id = f.card;
      return object(await call('POST', '/billing/auto_recharge', { body }));
    }));
  example(connected(billing.command('receipt <purchase_id>').description('The receipt of a purchase.')), 'billing receipt pur_01jd... --format pdf --output receipt.pdf')
    .option('--format <format>', 'json (default), csv or pdf')
    .option('--output <file>', 'write to this file (needed for pdf)')
    .action(act(async (call, [id], f) => document(call, `/billing/purchases/${encodeURIComponent(id!)}/receipt`, f)));
  example(connected(billing.command('statement <YYYY-MM>').description('The statement of a month (UTC).')), 'billing statement 2026-05 --format csv')
    .option('--format <format>', 'json (default), csv or pdf')
    .option('--output <file>', 'write to this file (needed for pdf)')
    .action(act(async (call, [period], f) => document(call, `/billing/statements/${encodeURIComponent(period!)}`, f)));
}

function registerCredits(program: Command): void {
  const credits = example(program.command('credits').description("Operator only: grant credit or correct a balance (name the organization with --org)."), 'credits grant 25 --org org_01jd... --description "support credit"');
  example(connected(credits.command('grant <amount_usd>').description('Grant credit to an organization.')), 'credits grant 25 --org org_01jd... --description "support credit"')
    .option('--description <text>', 'why')
    .option('--idempotency-key <key>', 'a retry with the same key grants once')
    .action(act(async (call, [amount], f) => object(await call('POST', '/credits/grants', { body: { amount_usd: usd(amount!, 'amount'), ...(f.description ? { description: f.description } : {}) }, headers: idempotency(f) }))));
  example(connected(credits.command('adjust <amount_usd>').description('A signed correction of a balance, with its reason.')), 'credits adjust -2.50 --org org_01jd... --description "double grant"')
    .requiredOption('--description <text>', 'why')
    .action(act(async (call, [amount], f) => object(await call('POST', '/credits/adjustments', { body: { amount_usd: usd(amount!, 'amount'), description: f.description } }))));
}

function registerBudgets(program: Command): void {
  const budgets = example(program.command('budgets').description('Monthly budgets and notification thresholds of the organization or a project.'), 'budgets show');
  const path = (f: Flags) => (f.project ? `/projects/${encodeURIComponent(f.project)}/budget` : '/budget');
  example(connected(budgets.command('show').description('The budget, this month\'s spend and what is left.')), 'budgets show', 'budgets show -p proj_01jd...')
    .option('-p, --project <project_id>', "a project's budget (default: the organization's)")
    .action(act(async (call, _a, f) => object(await call('GET', path(f)))));
  example(connected(budgets.command('set').description('Set the monthly budget (`none` removes it) and thresholds.')), 'budgets set --monthly-usd 500 --thresholds 50,80,100', 'budgets set -p proj_01jd... --monthly-usd none')
    .option('-p, --project <project_id>', "a project's budget (default: the organization's)")
    .option('--monthly-usd <usd>', 'the monthly limit, or none')
    .option('--thresholds <percents>', 'notification thresholds, e.g. 50,80,100')
    .action(act(async (call, _a, f) => {
      const body: Record<string, unknown> = {};
      if (f.monthlyUsd) body.monthly_limit_usd = f.monthlyUsd === 'none' ? null : usd(f.monthlyUsd, '--monthly-usd');
      if (f.thresholds) body.thresholds = String(f.thresholds).split(',').map((t) => int(t.trim(), '--thresholds'));
      return object(await call('POST', path(f), { body }));
    }));
}

function registerLimits(program: Command): void {
  const limits = example(program.command('limits').description('The usage tier and project rate limits.'), 'limits tier');
  example(connected(limits.command('tier').description('The tier, its limits and what the next tier needs.')), 'limits tier').action(act(async (call) => object(await call('GET', '/limits/tier'))));
  example(connected(limits.command('set-tier <tier>').description('Operator only: override the tier (--org names the organization).')), 'limits set-tier tier-3 --org org_01jd...').action(act(async (call, [tier]) => object(await call('POST', '/limits/tier', { body: { tier } }))));
  example(connected(limits.command('project <project_id>').description("A project's rate limits per model; with --model, set one.")), 'limits project proj_01jd...', 'limits project proj_01jd... --model gpt-4.1-mini --rpm 60 --tpm none')
    .option('--model <model>', 'the model to set limits for')
    .option('--rpm <n>', 'requests per minute, or none (the tier\'s)')
    .option('--tpm <n>', 'tokens per minute, or none (the tier\'s)')
    .action(act(async (call, [project], f) => {
      const base = `/projects/${encodeURIComponent(project!)}/rate_limits`;
      if (!f.model) return list(await call('GET', base), ['model', 'max_requests_per_1_minute', 'max_tokens_per_1_minute']);
      const value = (v: string | undefined, option: string) => (v === undefined ? undefined : v === 'none' ? null : int(v, option));
      const body = { max_requests_per_1_minute: value(f.rpm, '--rpm'), max_tokens_per_1_minute: value(f.tpm, '--tpm') };
      return object(await call('POST', `${base}/rl-${encodeURIComponent(f.model)}`, { body }));
    }));
}

export function registerBillingCommands(program: Command): void {
  registerBilling(program);
  registerCredits(program);
  registerBudgets(program);
  registerLimits(program);
}
