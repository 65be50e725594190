import { picosOf } from '../../lib/money';
import { utcDay } from '../../lib/time';

export type GroupBy = 'model' | 'project_id' | 'api_key_id';

interface Grouped {
  model?: string | null;
  line_item?: string | null;
  project_id: string | null;
  api_key_id: string | null;
}
/** The fields read from the costs and completions usage pages' buckets. */
type CostBuckets = { start_time: number; results: (Grouped & { amount: { value_exact: string } })[] }[];
type UsageBuckets = { start_time: number; results: (Grouped & { input_tokens: number; output_tokens: number; num_model_requests: number })[] }[];

export interface DayRow {
  day: string;
  /** Cost in picodollars per group value (model, project or key). */
  cost: Map<string, bigint>;
  input: Map<string, number>;
  output: Map<string, number>;
  requests: Map<string, number>;
}

function groupOf(result: Grouped, by: GroupBy): string {
  if (by === 'model') return result.line_item ?? result.model ?? 'unknown';
  return result[by] ?? 'none';
}

/** Costs and token counts per UTC day and group, from the API's buckets; money summed in picodollars. */
export function daysOf(costs: CostBuckets, usage: UsageBuckets, by: GroupBy): { days: DayRow[]; groups: string[]; total: bigint } {
  const days = new Map<string, DayRow>();
  const row = (start: number) => {
    const day = utcDay(start);
    let r = days.get(day);
    if (!r) days.set(day, (r = { day, cost: new Map(), input: new Map(), output: new Map(), requests: new Map() }));
    return r;
  };
  const groups = new Set<string>();
  let total = 0n;
  for (const bucket of costs) {
    const r = row(bucket.start_time);
    for (const result of bucket.results) {
      const g = groupOf(result, by);
      groups.add(g);
      const picos = picosOf(result.amount.value_exact);
      total += picos;
      r.cost.set(g, (r.cost.get(g) ?? 0n) + picos);
    }
  }
  for (const bucket of usage) {
    const r = row(bucket.start_time);
    for (const result of bucket.results) {
      const g = groupOf(result, by);
      groups.add(g);
      r.input.set(g, (r.input.get(g) ?? 0) + result.input_tokens);
      r.output.set(g, (r.output.get(g) ?? 0) + result.output_tokens);
      r.requests.set(g, (r.requests.get(g) ?? 0) + result.num_model_requests);
    }
  }
  return { days: [...days.values()].sort((a, b) => a.day.localeCompare(b.day)), groups: [...groups].sort(), total };
}

const csvCell = (value: string | number): string => (typeof value === 'number' || !/[",\n]/.test(value) ? String(value) : `"${value.replace(/"/g, '""')}"`);

/** One line per day and group: what the charts show, exact to the picodollar. */
export function toCsv(days: DayRow[], by: GroupBy, formatCost: (picos: bigint) => string): string {
  const lines = [['date', by === 'model' ? 'model' : by, 'requests', 'input_tokens', 'output_tokens', 'cost_usd'].join(',')];
  for (const d of days) {
    const groups = new Set([...d.cost.keys(), ...d.input.keys()]);
    for (const g of [...groups].sort()) {
      lines.push([d.day, g, d.requests.get(g) ?? 0, d.input.get(g) ?? 0, d.output.get(g) ?? 0, formatCost(d.cost.get(g) ?? 0n)].map(csvCell).join(','));
    }
  }
  return `${lines.join('\n')}\n`;
}
