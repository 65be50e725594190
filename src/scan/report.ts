import type { Finding, Liveness } from './finding.js';
import type { ScanResult } from './scan.js';

function livenessText(liveness: Liveness): string {
  if (liveness.status === 'live') return liveness.restricted ? 'live (restricted)' : 'live';
  if (liveness.status === 'dead') return 'dead';
  return `unknown (${liveness.reason})`;
}

/** `[commit:]file:line:column kind redacted [checksum-valid|look-alike] [live|dead|unknown (...)]`, as grep and git grep print places. */
export function formatFinding(f: Finding): string {
  const place = `${f.commit ? `${f.commit}:` : ''}${f.file}:${f.line}:${f.column}`;
  const parts = [place, f.kind, f.redacted];
  if (f.checksumValid !== null) parts.push(f.checksumValid ? 'checksum-valid' : 'look-alike');
  if (f.liveness) parts.push(livenessText(f.liveness));
  return parts.join(' ');
}

export function formatText(result: ScanResult): string {
  return result.findings.map((f) => `${formatFinding(f)}\n`).join('');
}

/** One line for stderr, so stdout stays the list of findings. */
export function formatSummary(result: ScanResult, staged: boolean): string {
  const what = [staged ? 'staged changes' : `${result.filesScanned} file(s)`];
  if (result.commitsScanned !== null) what.push(`${result.commitsScanned} commit(s)`);
  const skipped = result.skipped.binary + result.skipped.tooLarge;
  const skippedText = skipped > 0 ? `; skipped ${result.skipped.binary} binary and ${result.skipped.tooLarge} too large` : '';
  const count = result.findings.length;
  return `${count === 0 ? 'No keys found' : `${count} key(s) found`} in ${what.join(' and ')}${skippedText}.\n`;
}

/** For tools: explicit fields only, so a secret can never be serialised by accident. */
export function toJson(result: ScanResult): object {
  return {
    findings: result.findings.map((f) => ({
      source: f.source,
      file: f.file,
      line: f.line,
      column: f.column,
      kind: f.kind,
      redacted: f.redacted,
      checksum_valid: f.checksumValid,
      commit: f.commit,
      liveness: f.liveness ?? null,
    })),
    files_scanned: result.filesScanned,
    files_skipped: { binary: result.skipped.binary, too_large: result.skipped.tooLarge },
    commits_scanned: result.commitsScanned,
  };
}
