/**
 * The metering floor: what any metering gateway must do per request, and
 * nothing more. node:http in, an undici pool out, no framework:
 *   - read the body and JSON.parse it;
 *   - look the bearer key up in a Map;
 *   - take a token from an in-memory bucket;
 *   - check that `model` is a string and `messages` an array;
 *   - add `stream_options.include_usage` to a stream that lacks it;
 *   - send the bytes upstream;
 *   - non-streamed: read the answer whole, JSON.parse it for `usage`, queue a
 *     usage event, write the upstream's bytes unchanged;
 *   - streamed: write each upstream chunk unchanged and parse only the event
 *     that carries `usage` (found by a byte search).
 * Tollgate's ratio to this row is the yardstick (see bench/README.md).
 * Prints `listening <port> key <key>`.
 */
import { randomBytes } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { announce, upstreamPool } from './server.js';

const pool = upstreamPool();
const key = `sk-floor-${randomBytes(24).toString('hex')}`;
const principals = new Map([[key, { projectId: 'proj_floor' }]]);
const buckets = new Map<string, { tokens: number }>();
let events: object[] = [];
setInterval(() => (events = []), 200).unref();

const USAGE = Buffer.from('"usage":{');

function fail(res: ServerResponse, status: number, message: string): void {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ error: { message, type: 'invalid_request_error', param: null, code: null } }));
}

function record(projectId: string, model: string, usage: { prompt_tokens?: number; completion_tokens?: number } | undefined): void {
  events.push({ projectId, model, promptTokens: usage?.prompt_tokens ?? 0, completionTokens: usage?.completion_tokens ?? 0, at: Date.now() });
}

/** The usage object of the SSE event that holds `"usage":{`, or undefined. */
function usageOfEvent(chunk: Buffer): { prompt_tokens?: number; completion_tokens?: number } | undefined {
  const at = chunk.indexOf(USAGE);
  if (at < 0) return undefined;
  const start = chunk.lastIndexOf('data: ', at);
  const end = chunk.indexOf('\n', at);
  try {
    return (JSON.parse(chunk.subarray(start + 6, end < 0 ? chunk.length : end).toString()) as { usage?: { prompt_tokens?: number } }).usage ?? undefined;
  } catch {
    return undefined;
  }
}

async function handle(req: IncomingMessage, res: ServerResponse, raw: Buffer): Promise<void> {
  const principal = principals.get((req.headers.authorization ?? '').slice(7));
  if (!principal) return fail(res, 401, 'Incorrect API key provided.');
  let body: { model?: unknown; messages?: unknown; stream?: unknown; stream_options?: { include_usage?: boolean } };
  try {
    body = JSON.parse(raw.toString()) as typeof body;
  } catch {
    return fail(res, 400, 'We could not parse the JSON body of your request.');
  }
  if (typeof body.model !== 'string') return fail(res, 400, "Missing required parameter: 'model'.");
  if (!Array.isArray(body.messages)) return fail(res, 400, "Missing required parameter: 'messages'.");
  const bucketKey = `${principal.projectId}/${body.model}`;
  let bucket = buckets.get(bucketKey);
  if (!bucket) buckets.set(bucketKey, (bucket = { tokens: 1e12 }));
  bucket.tokens -= 1;
  let upstreamBody: Buffer | string = raw;
  if (body.stream === true && body.stream_options?.include_usage !== true) {
    body.stream_options = { ...body.stream_options, include_usage: true };
    upstreamBody = JSON.stringify(body);
  }
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer upstream' },
    body: upstreamBody,
  });
  res.writeHead(response.statusCode, { 'content-type': String(response.headers['content-type'] ?? 'application/json') });
  if (body.stream === true) {
    let usage;
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      usage ??= usageOfEvent(chunk);
      res.write(chunk);
    }
    res.end();
    record(principal.projectId, body.model, usage);
    return;
  }
  const answer = Buffer.from(await response.body.arrayBuffer());
  record(principal.projectId, body.model, (JSON.parse(answer.toString()) as { usage?: { prompt_tokens?: number } }).usage);
  res.end(answer);
}

const server = createServer((req, res) => {
  const parts: Buffer[] = [];
  req.on('data', (part: Buffer) => parts.push(part));
  req.on('end', () => {
    handle(req, res, Buffer.concat(parts)).catch(() => {
      if (!res.headersSent) res.writeHead(502);
      res.end();
    });
  });
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce(server, ` key ${key}`));
