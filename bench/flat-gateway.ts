/**
 * The per-request work of a metered gateway, written as one flat handler with
 * nothing else: key lookup by HMAC in a Map, the request validated with
 * Tollgate's schema, the prompt counted with Tollgate's tokenizer, a token
 * bucket taken and corrected, an abort signal for a client that leaves, the
 * upstream call, a usage event queued, a request id, two metrics. No routing
 * (retries, fallbacks, circuits, timeouts), no spend reservation, no store.
 * Its distance from the Fastify proxy is what that work costs; Tollgate's
 * distance from it is what Tollgate's structure and remaining features cost.
 * Prints `listening <port>` and the key to use.
 */
import { createHmac, randomBytes } from 'node:crypto';
import Fastify from 'fastify';
import { Counter, Histogram, Registry } from 'prom-client';
import { chatRequestSchema } from '../src/contract/index.js';
import { countChatPromptTokens, encodingForModel } from '../src/tokens/index.js';
import { announce, upstreamPool } from './server.js';

const pool = upstreamPool();

const secret = randomBytes(32);
const hash = (key: string) => createHmac('sha256', secret).update(key).digest('hex');
const key = `sk-flat-${randomBytes(24).toString('hex')}`;
const principals = new Map([[hash(key), { organizationId: 'org_flat', projectId: 'proj_flat' }]]);

const registry = new Registry();
const requests = new Counter({ name: 'requests', help: 'requests', labelNames: ['status'], registers: [registry] }).labels('200');
const duration = new Histogram({ name: 'duration_seconds', help: 'duration', registers: [registry] });
const buckets = new Map<string, { tokens: number }>();
let events: object[] = [];
setInterval(() => (events = []), 200).unref();

const MAX_OUTPUT = 4096;
const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (request, reply) => {
  const started = performance.now();
  const principal = principals.get(hash(String(request.headers.authorization ?? '').slice('Bearer '.length)));
  if (!principal) return reply.code(401).send({ error: { message: 'Incorrect API key provided.', type: 'invalid_request_error', code: 'invalid_api_key' } });
  const body = chatRequestSchema.parse(request.body);
  const promptTokens = countChatPromptTokens(body.messages, encodingForModel('gpt-4o'), body.tools);
  const bucketKey = `${principal.projectId}/${body.model}`;
  const bucket = buckets.get(bucketKey) ?? { tokens: 1e12 };
  buckets.set(bucketKey, bucket);
  bucket.tokens -= promptTokens + MAX_OUTPUT;
  const controller = new AbortController();
  reply.raw.once('close', () => {
    if (!reply.raw.writableFinished) controller.abort();
  });
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer upstream' },
    body: JSON.stringify({ ...body, model: 'bench-upstream' }),
    signal: controller.signal,
  });
  reply.code(response.statusCode).header('x-request-id', randomBytes(12).toString('hex')).header('x-ratelimit-remaining-tokens', String(bucket.tokens));
  if (String(response.headers['content-type']).startsWith('text/event-stream')) return reply.header('content-type', 'text/event-stream').send(response.body);
  const answer = (await response.body.json()) as { usage?: { prompt_tokens: number; completion_tokens: number } };
  const usage = answer.usage ?? { prompt_tokens: promptTokens, completion_tokens: 0 };
  bucket.tokens += promptTokens + MAX_OUTPUT - usage.prompt_tokens - usage.completion_tokens;
  events.push({ ...principal, model: body.model, promptTokens: usage.prompt_tokens, completionTokens: usage.completion_tokens, at: Date.now() });
  requests.inc();
  duration.observe((performance.now() - started) / 1000);
  return answer;
});
await app.listen({ port: 0, host: '127.0.0.1' });
announce(app.server, ` key ${key}`);
