import cluster from 'node:cluster';
import type { Config } from '../src/config/index.js';

/** What a worker tells the primary once it listens. */
interface ListeningMessage {
  tollgate: 'listening';
  url: string;
}

/** `tollgate start`: one process, or with `--workers N` a primary and N worker processes sharing the port. */
export async function startServer(config: Config, workers: number): Promise<void> {
  if (workers > 1 && cluster.isPrimary) return startPrimary(config, workers);
  const { startTollgate } = await import('../src/tollgate.js');
  const tollgate = await startTollgate(config);
  if (tollgate.bootstrapped) {
    const { firstRunBanner, showFirstRunBanner } = await import('../src/banner.js');
    const text = firstRunBanner(tollgate.bootstrapped, tollgate.url, config.public_url ?? tollgate.url);
    showFirstRunBanner(text, { stdout: process.stdout, dataDir: config.data_dir, logger: tollgate.services.logger });
  }
  tollgate.services.logger.info({ url: tollgate.url }, `Tollgate listening on ${tollgate.url}`);
  if (cluster.isWorker) process.send?.({ tollgate: 'listening', url: tollgate.url } satisfies ListeningMessage);
  const stop = (signal: string) => {
    tollgate.services.logger.info({ signal }, 'signal received');
    tollgate.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
}

/**
 * The primary of `--workers N` serves nothing itself: it prepares the store
 * once (migrations, and the first keys on a first run, printed here), then
 * forks N workers that share the port (node:cluster) and the state: limits,
 * spend and key invalidations through Redis, or PostgreSQL when it is the
 * store. A worker that dies is replaced; SIGTERM stops them all gracefully.
 */
async function startPrimary(config: Config, workers: number): Promise<void> {
  if (!config.redis_url && !config.database_url) {
    const err = new Error('--workers needs state the workers share: set redis_url (TOLLGATE_REDIS_URL) or a PostgreSQL database_url.');
    err.name = 'ConfigError';
    throw err;
  }
  const { startTollgate } = await import('../src/tollgate.js');
  const prepared = await startTollgate(config, { listen: false });
  const { bootstrapped, services } = prepared;
  const logger = services.logger;
  await prepared.close();

  const { firstRunBanner, showFirstRunBanner } = await import('../src/banner.js');
  let stopping = false;
  let announced = false;
  cluster.on('message', (_worker, message: Partial<ListeningMessage>) => {
    if (message?.tollgate !== 'listening' || announced || !message.url) return;
    announced = true;
    if (bootstrapped) showFirstRunBanner(firstRunBanner(bootstrapped, message.url, config.public_url ?? message.url), { stdout: process.stdout, dataDir: config.data_dir, logger });
    logger.info({ url: message.url, workers }, `Tollgate listening on ${message.url} with ${workers} workers`);
  });
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) {
      if (Object.keys(cluster.workers ?? {}).length === 0) process.exit(0);
      return;
    }
    logger.error({ pid: worker.process.pid, code, signal }, 'a worker stopped: starting another');
    cluster.fork();
  });
  const stop = (signal: NodeJS.Signals) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'signal received: stopping the workers');
    const running = Object.values(cluster.workers ?? {});
    if (running.length === 0) process.exit(0);
    for (const worker of running) worker?.process.kill('SIGTERM');
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  for (let i = 0; i < workers; i++) cluster.fork();
}
