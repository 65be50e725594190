import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram, everyCommand } from '../cli/program.js';
import { runCli } from './helpers/child.js';

/** The help a person sees for `tollgate <path> --help`, text added after it included. */
function helpOf(command: Command): string {
  let text = '';
  command.configureOutput({ writeOut: (s) => (text += s), writeErr: (s) => (text += s) });
  command.outputHelp();
  return text;
}

function pathOf(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

describe('tollgate --help', () => {
  const program = buildProgram();
  const commands = everyCommand(program);

  it('walks a tree of every command and subcommand', () => {
    const paths = commands.map(pathOf);
    expect(paths).toEqual(expect.arrayContaining(['tollgate', 'tollgate start', 'tollgate providers list', 'tollgate providers clear-key', 'tollgate keys create', 'tollgate config print']));
    expect(commands.length).toBeGreaterThan(40);
  });

  it('gives every command and subcommand an example that runs that very command', () => {
    const missing = commands.filter((c) => {
      const help = helpOf(c);
      const path = pathOf(c);
      return !/^Examples?:$/m.test(help) || !help.includes(`$ ${path}`) && !new RegExp(`\\$ (\\S+=\\S+ )*${path.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`).test(help);
    });
    expect(missing.map(pathOf)).toEqual([]);
  });

  it('keeps one meaning per short flag across the tree', () => {
    const meaning = new Map<string, Set<string>>();
    for (const command of commands) {
      for (const option of command.options) {
        if (!option.short) continue;
        const longs = meaning.get(option.short) ?? new Set<string>();
        longs.add(option.long ?? '');
        meaning.set(option.short, longs);
      }
    }
    const shared = Object.fromEntries([...meaning].map(([short, longs]) => [short, [...longs]]));
    for (const [short, longs] of Object.entries(shared)) expect(longs, short).toHaveLength(1);
    expect(Object.keys(shared).sort()).toEqual(['-c', '-d', '-m', '-p', '-v']);
  });

  it('exits 2 on a parse error anywhere in the tree, 0 on help', { timeout: 120_000 }, async () => {
    const [unknown, missing, help] = await Promise.all([runCli(['keys', 'list', '-p', 'proj_x', '--no-such-flag'], {}, 90_000), runCli(['keys', 'list'], {}, 90_000), runCli(['providers', 'list', '--help'], {}, 90_000)]);
    expect(unknown).toMatchObject({ code: 2, stderr: "error: unknown option '--no-such-flag'\n" });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '-p, --project <project_id>' not specified");
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('$ tollgate providers list');
  });
});
