import { describe, expect, it } from 'vitest';
import { findKeys, generateKey, parseKey, redactKey } from './api-key-format.js';

describe('key format', () => {
  it('generates keys of each kind that pass their own checksum', () => {
    for (const kind of ['project', 'service_account', 'admin'] as const) {
      const key = generateKey(kind);
      expect(parseKey(key)).toEqual({ kind, wellFormed: true });
    }
  });

  it('rejects a single changed character', () => {
    const key = generateKey('project');
    const i = 20;
    const changed = key.slice(0, i) + (key[i] === 'a' ? 'b' : 'a') + key.slice(i + 1);
    expect(parseKey(changed)).toBeNull();
  });

  it('finds keys in text, telling real keys from look-alikes, redacted', () => {
    const real = generateKey('service_account');
    const fake = 'sk-admin-' + 'Z'.repeat(49);
    const text = `OPENAI_API_KEY=${real}\n# not a key: sk-proj-short\nadmin: "${fake}"\n`;
    const found = findKeys(text);
    expect(found.map((f) => ({ kind: f.kind, checksumValid: f.checksumValid, index: f.index, redacted: f.redacted }))).toEqual([
      { kind: 'service_account', checksumValid: true, index: 15, redacted: redactKey(real) },
      { kind: 'admin', checksumValid: false, index: text.indexOf(fake), redacted: 'sk-admin-...ZZZZ' },
    ]);
    expect(findKeys(`${real}X`)).toEqual([]); // a longer token is not this key
  });
});
