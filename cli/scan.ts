import type { Command } from 'commander';

// The scanner is loaded when the command runs, so `tollgate scan --help` stays light.
type Scanner = typeof import('../src/scan/index.js');

interface ScanFlags {
  git?: boolean;
  staged?: boolean;
  check?: string;
  allowHttp?: boolean;
  json?: boolean;
  maxFileSize?: string;
}

/** Exit codes: 0 nothing found, 1 keys found, 2 usage error or the scan could not run. */
async function runScan({ checkFindings, formatSummary, formatText, scan, ScanUsageError, toJson }: Scanner, path: string | undefined, flags: ScanFlags): Promise<number> {
  const maxFileBytes = flags.maxFileSize === undefined ? undefined : Number(flags.maxFileSize);
  if (maxFileBytes !== undefined && !(Number.isSafeInteger(maxFileBytes) && maxFileBytes > 0)) {
    throw new ScanUsageError(`--max-file-size must be a positive number of bytes, got ${flags.maxFileSize}`);
  }
  const result = await scan({ path, git: flags.git, staged: flags.staged, maxFileBytes });
  if (flags.check) await checkFindings(result.findings, { url: flags.check, allowHttp: flags.allowHttp });
  if (flags.json) process.stdout.write(`${JSON.stringify(toJson(result), null, 2)}\n`);
  else {
    process.stdout.write(formatText(result));
    process.stderr.write(formatSummary(result, Boolean(flags.staged)));
  }
  return result.findings.length > 0 ? 1 : 0;
}

export function registerScan(program: Command): void {
  program
    .command('scan')
    .description('Find Tollgate and OpenAI API keys in files (and git history); exit 1 when any is found.')
    .argument('[path]', 'file or directory to scan', '.')
    .option('--git', "also scan every commit of the repository's history")
    .option('--staged', 'scan only the staged changes (for a pre-commit hook)')
    .option('--check <url>', 'ask the Tollgate server at <url> whether each found Tollgate key is live (GET /v1/models)')
    .option('--allow-http', 'let --check send keys over plain http to a host other than this machine')
    .option('--max-file-size <bytes>', 'skip files larger than this (default 5 MB)')
    .option('--json', 'print the findings as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  $ tollgate scan\n  $ tollgate scan --git --json .\n  $ tollgate scan --staged            # in .git/hooks/pre-commit\n  $ tollgate scan --check https://tollgate.example.com src/',
    )
    // Usage errors exit 2, so a hook or CI step can tell "keys found" (1) from "scanner misused" (2).
    .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : 2))
    .action(async (path: string, flags: ScanFlags) => {
      const scanner = await import('../src/scan/index.js');
      try {
        process.exitCode = await runScan(scanner, path, flags);
      } catch (err) {
        const prefix = err instanceof scanner.ScanUsageError ? 'tollgate scan' : 'tollgate scan: could not scan';
        process.stderr.write(`${prefix}: ${err instanceof Error ? err.message : String(err)}\n`);
        process.exitCode = 2;
      }
    });
}
