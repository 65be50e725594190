import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { generateKey } from '../control/index.js';
import { findKeys } from './detect.js';

/** Random token characters, generated here so no key-shaped string is ever committed. */
function token(length: number, alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789_-'): string {
  return [...randomBytes(length)].map((b) => alphabet[b % alphabet.length]).join('');
}
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
const MARKER = 'T3BlbkFJ';

/** A Tollgate-shaped string whose checksum is wrong: one character of the checksum changed. */
function lookAlike(key: string): string {
  return key.slice(0, -1) + (key.endsWith('a') ? 'b' : 'a');
}

describe('findKeys', () => {
  it('finds each Tollgate kind with its column, redaction and checksum verdict', () => {
    const project = generateKey('project');
    const svc = generateKey('service_account');
    const admin = generateKey('admin');
    const fake = lookAlike(generateKey('project'));
    const line = `a=${project} "${svc}" (${admin}) ${fake}`;
    expect(findKeys(line).map((m) => ({ ...m }))).toEqual([
      { kind: 'tollgate-project', column: 3, redacted: `sk-proj-...${project.slice(-4)}`, checksumValid: true },
      { kind: 'tollgate-service-account', column: 3 + project.length + 2, redacted: `sk-svcacct-...${svc.slice(-4)}`, checksumValid: true },
      { kind: 'tollgate-admin', column: line.indexOf(admin) + 1, redacted: `sk-admin-...${admin.slice(-4)}`, checksumValid: true },
      { kind: 'tollgate-project', column: line.indexOf(fake) + 1, redacted: `sk-proj-...${fake.slice(-4)}`, checksumValid: false },
    ]);
  });

  it('finds every OpenAI format and never a Tollgate key inside one', () => {
    const legacy = `sk-${token(20, ALNUM)}${MARKER}${token(20, ALNUM)}`;
    // The body starts with 49 alphanumerics then "_": the Tollgate pattern must not bite its head off.
    const proj = `sk-proj-${token(49, ALNUM)}_${token(24)}${MARKER}${token(74)}`;
    const svc = `sk-svcacct-${token(74)}${MARKER}${token(74)}`;
    const admin = `sk-admin-${token(58)}${MARKER}${token(58)}`;
    const found = findKeys(`${legacy} ${proj}\t${svc},${admin}`);
    expect(found.map((m) => [m.kind, m.column, m.redacted, m.checksumValid])).toEqual([
      ['openai-legacy', 1, `sk-...${legacy.slice(-4)}`, null],
      ['openai-project', legacy.length + 2, `sk-proj-...${proj.slice(-4)}`, null],
      ['openai-service-account', legacy.length + proj.length + 3, `sk-svcacct-...${svc.slice(-4)}`, null],
      ['openai-admin', legacy.length + proj.length + svc.length + 4, `sk-admin-...${admin.slice(-4)}`, null],
    ]);
  });

  it('ignores strings that are not whole keys', () => {
    const key = generateKey('project');
    expect(findKeys(`x${key}`)).toEqual([]); // glued to a longer word
    expect(findKeys(`${key}Z`)).toEqual([]); // 50 characters after the prefix
    expect(findKeys(key.slice(0, -1))).toEqual([]); // 48
    expect(findKeys(`sk-${token(20, ALNUM)}XXXXXXXX${token(20, ALNUM)}`)).toEqual([]); // no OpenAI marker
    expect(findKeys('const prefix = "sk-proj-"; // sk-admin-...abcd')).toEqual([]);
  });

  it('keeps the secret readable but out of any serialisation', () => {
    const key = generateKey('service_account');
    const [m] = findKeys(`KEY=${key}`);
    expect(m!.secret).toBe(key);
    expect(JSON.stringify(m)).not.toContain(key.slice(11, 30));
    expect(Object.keys(m!)).not.toContain('secret');
  });
});
