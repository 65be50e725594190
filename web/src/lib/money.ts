/**
 * Dollar amounts arrive as exact decimal text ("0.000123"); sums are done in
 * integer picodollars (BigInt), as the server does, so a total never drifts.
 */
const PICOS = 1_000_000_000_000n;

export function picosOf(usd: string): bigint {
  const match = /^(-?)(\d+)(?:\.(\d{1,12}))?$/.exec(usd.trim());
  if (!match) throw new Error(`not a USD amount: ${usd}`);
  const picos = BigInt(match[2]!) * PICOS + BigInt((match[3] ?? '').padEnd(12, '0'));
  return match[1] ? -picos : picos;
}

/** "$1,234.50"; amounts under a cent keep their significant digits ("$0.000123"). */
export function formatUsd(picos: bigint): string {
  const negative = picos < 0n;
  const abs = negative ? -picos : picos;
  const whole = abs / PICOS;
  let fraction = (abs % PICOS).toString().padStart(12, '0').replace(/0+$/, '');
  if (whole > 0n || fraction.length <= 2) fraction = fraction.slice(0, 2).padEnd(2, '0');
  const grouped = whole.toLocaleString('en-US');
  return `${negative ? '-' : ''}$${grouped}.${fraction}`;
}

export const formatUsdText = (usd: string | null | undefined): string => (usd == null ? '—' : formatUsd(picosOf(usd)));

/** A dollar amount a person typed ("10", "$10.50") as the API's decimal text, or null when it is not one. */
export function usdInput(text: string): string | null {
  const cleaned = text.trim().replace(/^\$/, '').replace(/,/g, '');
  return /^\d+(\.\d{1,12})?$/.test(cleaned) ? cleaned : null;
}
