
/** A mistake in how a command was written: printed as is, exit code 2 (the CLI's usage-error code). */
export class CliError extends Error {
  override readonly name = 'CliError';
}

/** Parsing of CLI option values and printing of API objects. */

const UNITS: Record<string, number> = { s: 1, m: 60, h: 3600, d: 86400 };

/** `90s`, `15m`, `24h`, `30d` (or plain seconds) -> seconds. */
export function parseDuration(text: string, option: string): number {
  const match = /^(\d+)([smhd]?)$/.exec(text.trim());
  if (!match) throw new CliError(`${option}: expected a duration like 90s, 15m, 24h or 30d, got '${text}'`);
  return Number(match[1]) * UNITS[match[2] || 's']!;
}

/** `2027-01-31`, an ISO timestamp, or Unix seconds -> Unix seconds. */
export function parseTime(text: string, option: string): number {
  if (/^\d+$/.test(text)) return Number(text);
  const ms = Date.parse(text);
  if (Number.isNaN(ms)) throw new CliError(`${option}: expected a date (2027-01-31, ISO 8601) or Unix seconds, got '${text}'`);
  return Math.floor(ms / 1000);
}

/** `--resource models=read --resource chat_completions=write` -> restricted permissions. */
export function parsePermissions(mode: string | undefined, resources: string[]): unknown {
  if (resources.length > 0 && mode !== undefined && mode !== 'restricted') throw new CliError('--resource only goes with --permissions restricted');
  if (resources.length === 0) return mode === undefined ? undefined : { mode };
  const levels: Record<string, string> = {};
  for (const entry of resources) {
    const [name, level] = entry.split('=');
    if (!name || !level) throw new CliError(`--resource: expected resource=level (e.g. models=read), got '${entry}'`);
    levels[name] = level;
  }
  return { mode: 'restricted', resources: levels };
}

export function int(text: string, option: string): number {
  if (!/^\d+$/.test(text)) throw new CliError(`${option}: expected a whole number, got '${text}'`);
  return Number(text);
}

function cell(value: unknown): string {
  if (value === null || value === undefined) return '-';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

const dateFields = new Set(['created_at', 'last_used_at', 'expires_at', 'archived_at', 'revokes_at', 'revoked_at', 'effective_at']);

function showValue(key: string, value: unknown): string {
  if (dateFields.has(key) && typeof value === 'number') return new Date(value * 1000).toISOString();
  return cell(value);
}

/** An object as `key: value` lines. */
export function formatObject(object: Record<string, unknown>): string {
  const width = Math.max(...Object.keys(object).map((k) => k.length));
  return Object.entries(object)
    .map(([key, value]) => `${key.padEnd(width)}  ${showValue(key, value)}`)
    .join('\n');
}

/** A list page as an aligned table of chosen columns, with the cursor to continue from. */
export function formatList(page: { data: Record<string, unknown>[]; has_more: boolean; last_id: string | null }, columns: string[]): string {
  const rows = page.data.map((item) => columns.map((c) => showValue(c, c.split('.').reduce<any>((v, k) => v?.[k], item))));
  const widths = columns.map((c, i) => Math.max(c.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ').trimEnd();
  const out = [line(columns.map((c) => c.toUpperCase())), ...rows.map(line)];
  if (page.data.length === 0) out.push('(none)');
  if (page.has_more) out.push(`... more: add --after ${page.last_id}`);
  return out.join('\n');
}
