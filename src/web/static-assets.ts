import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { extname, join } from 'node:path';
import { brotliCompressSync, constants, gzipSync } from 'node:zlib';

const TYPES: Record<string, string> = {
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.woff2': 'font/woff2',
  '.json': 'application/json',
  '.txt': 'text/plain; charset=utf-8',
};

export interface Asset {
  type: string;
  body: Buffer;
  /** Compressed on first request, then kept. */
  encoded: Map<'br' | 'gzip', Buffer>;
}

export interface BuiltDashboard {
  /** index.html with the `__CSP_NONCE__` placeholder. */
  indexHtml: string;
  /** By URL path: `/assets/index-3f9a1c.js`, `/favicon.svg`. */
  assets: Map<string, Asset>;
}

/**
 * Reads the Vite build (web/dist) into memory once: a few hundred kilobytes,
 * so requests never touch the disk and a path can never escape the folder.
 */
export function loadBuiltDashboard(distDir: string): BuiltDashboard | null {
  const index = join(distDir, 'index.html');
  if (!existsSync(index)) return null;
  const assets = new Map<string, Asset>();
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path, `${prefix}/${name}`);
      else if (name !== 'index.html') assets.set(`${prefix}/${name}`, { type: TYPES[extname(name)] ?? 'application/octet-stream', body: readFileSync(path), encoded: new Map() });
    }
  };
  walk(distDir, '');
  return { indexHtml: readFileSync(index, 'utf8'), assets };
}

/** The best encoding the client accepts for a compressible asset, compressed once. */
export function encodedBody(asset: Asset, acceptEncoding: string | undefined): { body: Buffer; encoding?: 'br' | 'gzip' } {
  if (!/^(text|application\/json|image\/svg)/.test(asset.type) || asset.body.length < 1024 || !acceptEncoding) return { body: asset.body };
  const accepts = acceptEncoding.toLowerCase();
  const encoding = /\bbr\b/.test(accepts) ? 'br' : /\bgzip\b/.test(accepts) ? 'gzip' : undefined;
  if (!encoding) return { body: asset.body };
  let body = asset.encoded.get(encoding);
  if (!body) {
    body = encoding === 'br' ? brotliCompressSync(asset.body, { params: { [constants.BROTLI_PARAM_QUALITY]: 9 } }) : gzipSync(asset.body, { level: 9 });
    asset.encoded.set(encoding, body);
  }
  return { body, encoding };
}
