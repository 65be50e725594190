import { Command } from 'commander';
import { parseUsd } from '../src/common/money.js';
import type { Store } from '../src/store/index.js';
import type { Page, ReportKind } from '../src/usage/index.js';

// Loaded when the command runs, so other commands and --help stay light.
let usage: typeof import('../src/usage/index.js');
let pricing: typeof import('../src/pricing/index.js');

interface UsageFlags {
  config?: string;
  dataDir?: string;
  url?: string;
  adminKey?: string;
  organization?: string;
  from?: string;
  to?: string;
  by: string;
  json?: boolean;
}

type Dimension = 'day' | 'project' | 'model' | 'key';
const DIMENSIONS: readonly Dimension[] = ['day', 'project', 'model', 'key'];
const DAY_S = 86_400;

class UsageError extends Error {}

/** Fetches one page of a report: over HTTP from a running server, or straight from the store. Same query code either way. */
type ReportSource = (kind: ReportKind, params: Record<string, string | string[]>) => Promise<Page<Record<string, unknown>>>;

function remoteSource(url: string, adminKey: string): ReportSource {
  return async (kind, params) => {
    const query = new URLSearchParams();
    for (const [k, v] of Object.entries(params)) for (const one of Array.isArray(v) ? v : [v]) query.append(Array.isArray(v) ? `${k}[]` : k, one);
    const path = kind === 'costs' ? 'costs' : `usage/${kind}`;
    let res: Response;
    try {
      res = await fetch(`${url.replace(/\/+$/, '')}/v1/organization/${path}?${query}`, { headers: { authorization: `Bearer ${adminKey}` } });
    } catch (err) {
      throw new Error(`cannot reach ${url}: ${(err as { cause?: { code?: string } }).cause?.code ?? (err as Error).message}`);
    }
    const body = (await res.json()) as Page<Record<string, unknown>> & { error?: { message: string } };
    if (!res.ok) throw (res.status === 400 || res.status === 401 || res.status === 403 ? new UsageError(body.error?.message ?? `HTTP ${res.status}`) : new Error(body.error?.message ?? `HTTP ${res.status}`));
    return body;
  };
}

async function organizationOf(store: Store, wanted: string | undefined): Promise<string> {
  const orgs = await store.db.selectFrom('organizations').select(['id', 'name']).orderBy('created_at').execute();
  if (wanted) {
    if (!orgs.some((o) => o.id === wanted)) throw new UsageError(`no organization ${wanted} in this store`);
    return wanted;
  }
  if (orgs.length === 1) return orgs[0]!.id;
  throw new UsageError(`this store holds ${orgs.length} organizations: pick one with --organization (${orgs.map((o) => `${o.id} "${o.name}"`).join(', ')})`);
}

function storeSource(store: Store, organizationId: string): ReportSource {
  return async (kind, params) => (await usage.readReport(store.db, organizationId, usage.parseReportQuery(kind, params, Date.now()))) as Page<Record<string, unknown>>;
}

function dayStart(text: string, flag: string): number {
  const ms = /^\d{4}-\d{2}-\d{2}$/.test(text) ? Date.parse(`${text}T00:00:00Z`) : Number.NaN;
  if (Number.isNaN(ms)) throw new UsageError(`${flag} must be a date YYYY-MM-DD, got '${text}'`);
  return ms / 1000;
}

interface Row {
  key: Record<Dimension, string>;
  requests: number;
  input: number;
  cached: number;
  output: number;
  costPicos: bigint;
}

async function allPages(source: ReportSource, kind: ReportKind, params: Record<string, string | string[]>, visit: (start: number, r: Record<string, unknown>) => void) {
  let page: string | undefined;
  do {
    const result = await source(kind, page ? { ...params, page } : params);
    for (const bucket of result.data) for (const r of bucket.results) visit(bucket.start_time, r);
    page = result.next_page ?? undefined;
  } while (page);
}

/** Usage and costs for [from, to), broken out by the chosen dimensions. */
async function summarize(source: ReportSource, from: number, to: number, by: Dimension[]): Promise<Row[]> {
  const rows = new Map<string, Row>();
  const rowFor = (start: number, r: Record<string, unknown>): Row => {
    const full: Record<Dimension, string> = {
      day: new Date(start * 1000).toISOString().slice(0, 10),
      project: String(r.project_id ?? '-'),
      model: String(r.model ?? r.line_item ?? '-'),
      key: String(r.api_key_id ?? '-'),
    };
    const key = Object.fromEntries(DIMENSIONS.map((d) => [d, by.includes(d) ? full[d] : ''])) as Record<Dimension, string>;
    const id = JSON.stringify(key);
    let row = rows.get(id);
    if (!row) rows.set(id, (row = { key, requests: 0, input: 0, cached: 0, output: 0, costPicos: 0n }));
    return row;
  };
  const base = { start_time: String(from), end_time: String(to), bucket_width: '1d', limit: '31' };
  const groups = by.includes('key') ? ['project_id', 'model', 'api_key_id'] : ['project_id', 'model'];
  for (const kind of ['completions', 'embeddings'] as const) {
    await allPages(source, kind, { ...base, group_by: groups }, (start, r) => {
      const row = rowFor(start, r);
      row.requests += Number(r.num_model_requests);
      row.input += Number(r.input_tokens);
      row.cached += Number(r.input_cached_tokens ?? 0);
      row.output += Number(r.output_tokens ?? 0);
    });
  }
  const costGroups = groups.map((g) => (g === 'model' ? 'line_item' : g));
  await allPages(source, 'costs', { ...base, group_by: costGroups }, (start, r) => {
    rowFor(start, r).costPicos += parseUsd((r.amount as { value_exact: string }).value_exact);
  });
  return [...rows.values()].sort((a, b) => DIMENSIONS.map((d) => a.key[d].localeCompare(b.key[d])).find((c) => c !== 0) ?? 0);
}

function render(rows: Row[], by: Dimension[]): string {
  const num = (n: number) => n.toLocaleString('en-US');
  const total = rows.reduce((t, r) => ({ ...t, requests: t.requests + r.requests, input: t.input + r.input, cached: t.cached + r.cached, output: t.output + r.output, costPicos: t.costPicos + r.costPicos }), {
    key: {} as Record<Dimension, string>,
    requests: 0,
    input: 0,
    cached: 0,
    output: 0,
    costPicos: 0n,
  });
  const line = (r: Row, label?: string) => [...by.map((d, i) => (label !== undefined ? (i === 0 ? label : '') : r.key[d])), num(r.requests), num(r.input), num(r.cached), num(r.output), pricing.displayUsd(r.costPicos)];
  const table = [[...by, 'requests', 'input tokens', 'cached', 'output tokens', 'cost'], ...rows.map((r) => line(r)), line(total, 'total')];
  const widths = table[0]!.map((_, c) => Math.max(...table.map((r) => r[c]!.length)));
  return table.map((r) => r.map((cell, c) => (c < by.length ? cell.padEnd(widths[c]!) : cell.padStart(widths[c]!))).join('  ').trimEnd()).join('\n');
}

async function printUsage(flags: UsageFlags): Promise<void> {
  const by = flags.by.split(',').map((d) => d.trim()) as Dimension[];
  for (const d of by) if (!DIMENSIONS.includes(d)) throw new UsageError(`--by takes a list of ${DIMENSIONS.join(', ')}; got '${d}'`);
  const today = Math.floor(Date.now() / 1000 / DAY_S) * DAY_S;
  const to = (flags.to ? dayStart(flags.to, '--to') : today) + DAY_S;
  const from = flags.from ? dayStart(flags.from, '--from') : to - 7 * DAY_S;
  if (from >= to) throw new UsageError('--from must not be after --to');
  const url = flags.url ?? process.env.TOLLGATE_URL;
  let store: Store | undefined;
  try {
    let source: ReportSource;
    if (url) {
      const adminKey = flags.adminKey ?? process.env.TOLLGATE_ADMIN_KEY;
      if (!adminKey) throw new UsageError('--url needs an admin key: set TOLLGATE_ADMIN_KEY (or --admin-key)');
      source = remoteSource(url, adminKey);
    } else {
      const { loadConfig } = await import('../src/config/index.js');
      const { config } = loadConfig({ file: flags.config, overrides: flags.dataDir ? { data_dir: flags.dataDir } : {} });
      const { openStore } = await import('../src/store/index.js');
      store = await openStore({ databaseUrl: config.database_url, dataDir: config.data_dir });
      if (!(await store.isMigrated())) throw new UsageError(`the store at ${store.location} is not migrated: run 'tollgate migrate' first`);
      source = storeSource(store, await organizationOf(store, flags.organization));
    }
    const rows = await summarize(source, from, to, by);
    if (flags.json) {
      const json = rows.map((r) => ({ ...Object.fromEntries(by.map((d) => [d, r.key[d]])), requests: r.requests, input_tokens: r.input, input_cached_tokens: r.cached, output_tokens: r.output, cost_usd: pricing.exactUsd(r.costPicos) }));
      process.stdout.write(`${JSON.stringify(json, null, 2)}\n`);
      return;
    }
    const range = `${new Date(from * 1000).toISOString().slice(0, 10)} to ${new Date((to - DAY_S) * 1000).toISOString().slice(0, 10)} (UTC)`;
    process.stdout.write(rows.length === 0 ? `No usage from ${range}.\n` : `Usage from ${range}\n\n${render(rows, by)}\n`);
  } finally {
    await store?.close();
  }
}

/** `tollgate usage`: usage and cost per day, model, project (or key) for a date range. */
export function usageCommand(): Command {
  return new Command('usage')
    .description('Print usage and cost per day, model and project for a date range (from a running server or the store).')
    .option('--from <date>', 'first day, YYYY-MM-DD (UTC; default: 6 days before --to)')
    .option('--to <date>', 'last day, YYYY-MM-DD, included (UTC; default: today)')
    .option('--by <dims>', 'break out by these, comma-separated: day, project, model, key', 'day,model,project')
    .option('--url <url>', 'a running Tollgate (with TOLLGATE_ADMIN_KEY); default TOLLGATE_URL, else read the store')
    .option('--admin-key <key>', 'admin key for --url (prefer TOLLGATE_ADMIN_KEY: flags show up in process lists)')
    .option('--organization <id>', 'organization to report on when reading a store that holds several')
    .option('-c, --config <file>', 'config file (default: ./tollgate.yaml when present)')
    .option('-d, --data-dir <dir>', 'data directory of the SQLite store')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExamples:\n  $ tollgate usage --data-dir ./data --from 2026-11-01 --to 2026-11-30\n  $ TOLLGATE_ADMIN_KEY=sk-admin-... tollgate usage --url http://127.0.0.1:8787 --by model')
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (flags: UsageFlags) => {
      try {
        [usage, pricing] = await Promise.all([import('../src/usage/index.js'), import('../src/pricing/index.js')]);
        await printUsage(flags);
      } catch (err) {
        const usage = err instanceof UsageError || (err instanceof Error && err.name === 'ConfigError') || (err instanceof Error && err.name === 'TollgateError');
        process.stderr.write(`tollgate usage: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exit(usage ? 2 : 1);
      }
    });
}
