/**
 * The floor any Node gateway can reach here: node:http in, undici out, the
 * body piped both ways, nothing parsed. Prints `listening <port>`.
 */
import { createServer } from 'node:http';
import { Pool } from 'undici';

const args = new Map(process.argv.slice(2).map((a, i, all) => [a, all[i + 1]]));
const upstream = args.get('--upstream')!;
const maxSeconds = Number(args.get('--max-seconds') ?? 600);
const pool = new Pool(upstream, { connections: 256, keepAliveTimeout: 30_000 });

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
server.listen(0, '127.0.0.1', () => {
  const address = server.address();
  process.stdout.write(`listening ${typeof address === 'object' && address ? address.port : 0}\n`);
});
setTimeout(() => process.exit(0), maxSeconds * 1000).unref();
process.on('SIGTERM', () => process.exit(0));
