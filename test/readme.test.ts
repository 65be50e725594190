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
});
