/**
 * The framework floor: Fastify in, undici out, the request and the answer
 * parsed as JSON and serialised again, nothing else (no auth, no limits, no
 * metering). Tollgate's distance from this row is the cost of its own work;
 * this row's distance from the raw proxy is the cost of Fastify and JSON.
 * Prints `listening <port>`.
 */
import Fastify from 'fastify';
import { announce, upstreamPool } from './server.js';

const pool = upstreamPool();

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
announce(app.server);
