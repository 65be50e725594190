/**
 * The floor any Node gateway can reach here: node:http in, undici out, the
 * body piped both ways, nothing parsed. Prints `listening <port>`.
 */
import { createServer } from 'node:http';
import { announce, upstreamPool } from './server.js';

const pool = upstreamPool();

const server = createServer(async (req, res) => {
  try {
    const response = await pool.request({
      path: req.url!,
      method: req.method as 'POST',
      headers: { 'content-type': 'application/json', authorization: 'Bearer upstream' },
      body: req,
    });
    res.writeHead(response.statusCode, { 'content-type': String(response.headers['content-type'] ?? 'application/json') });
    for await (const part of response.body) res.write(part);
    res.end();
  } catch {
    res.writeHead(502).end();
  }
});
server.keepAliveTimeout = 60_000;
server.listen(0, '127.0.0.1', () => announce(server));
