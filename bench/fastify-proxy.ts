/**
 * The framework floor: Fastify in, undici out, the request and the answer
 * parsed as JSON and serialised again, nothing else (no auth, no limits, no
 * metering). Tollgate's distance from this row is the cost of its own work;
 * this row's distance from the raw proxy is the cost of Fastify and JSON.
 * Prints `listening <port>`.
 */
import Fastify from 'fastify';
import { Pool } from 'undici';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]));
const upstream = args.get('--upstream')!;
const maxSeconds = Number(args.get('--max-seconds') ?? 600);
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 30_000 });

const app = Fastify({ logger: false });
app.post('/v1/chat/completions', async (request, reply) => {
  const response = await pool.request({
    path: '/v1/chat/completions',
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer upstream' },
    body: JSON.stringify(request.body),
  });
  reply.code(response.statusCode).header('content-type', String(response.headers['content-type'] ?? 'application/json'));
  // A stream is passed through as it comes; a JSON answer is parsed and serialised again.
  if (String(response.headers['content-type']).startsWith('text/event-stream')) return reply.send(response.body);
  return response.body.json();
});
await app.listen({ port: 0, host: '127.0.0.1' });
const address = app.server.address();
process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
