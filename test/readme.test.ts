import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { configLeaves, configSchema } from '../src/config/index.js';
import { ROOT } from './helpers/child.js';

describe('README', () => {
  const readme = readFileSync(`${ROOT}/README.md`, 'utf8');

  it('starts with the command that starts Tollgate and the one that runs the tests', () => {
    const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)![1]!;
    expect(firstBlock).toContain('npm start');
    expect(firstBlock).toContain('npm test');
  });

  it('documents every setting with its environment name', () => {
    const missing = configLeaves(configSchema)
      .filter((leaf) => !readme.includes(`| \`${leaf.path.join('.')}\` |`) || !readme.includes(`\`${leaf.env}\``))
      .map((leaf) => leaf.path.join('.'));
    expect(missing).toEqual([]);
  });

  it('holds no merge-conflict markers', () => {
    const markers = readme.split('\n').flatMap((line, i) => (/^(<{7}|={7}|>{7}|\|{7})( |$)/.test(line) ? [`${i + 1}: ${line}`] : []));
    expect(markers).toEqual([]);
  });

  it('lists each setting exactly once in the configuration table, and only settings that exist', () => {
    const section = readme.slice(readme.indexOf('\n## Configuration'), readme.indexOf('\n## ', readme.indexOf('\n## Configuration') + 1));
    const rows = [...section.matchAll(/^\| `([a-z0-9_.]+)` \|/gm)].map((m) => m[1]!);
    const leaves = configLeaves(configSchema).map((leaf) => leaf.path.join('.'));
    expect(rows.filter((key, i) => rows.indexOf(key) !== i)).toEqual([]);
    expect(leaves.filter((key) => !rows.includes(key))).toEqual([]);
    expect(rows.filter((key) => !leaves.includes(key))).toEqual([]);
  });
});
