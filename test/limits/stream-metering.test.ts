import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { encodingForModel } from '../../src/tokens/index.js';
import { startTestTollgate, type TestTollgate } from '../helpers/tollgate.js';
import { streamChat, until } from './helpers.js';

/** Tokens 400 ms apart when hanging up: the hang-up after a token lands long before the next one is produced. */
function stream(tg: TestTollgate, body: Record<string, unknown>, stopAfter?: number) {
  return streamChat(tg.url, tg.projectKey, body, { 'x-tollgate-sim-token-delay-ms': stopAfter ? '400' : '0' }, stopAfter);
}

describe('streams are metered with the tokens actually sent', () => {
  let tg: TestTollgate;
  beforeAll(async () => {
    tg = await startTestTollgate({ metering: { flush_interval_ms: 20 } });
  });
  afterAll(() => tg.stop());

  async function eventOf(requestId: string) {
    const db = tg.services.store.db;
    await until(async () => {
      await tg.services.recorder.flush();
      return (await db.selectFrom('usage_events').select('id').where('request_id', '=', requestId).executeTakeFirst()) !== undefined;
    }, `the usage event of ${requestId}`);
    return db.selectFrom('usage_events').selectAll().where('request_id', '=', requestId).executeTakeFirstOrThrow();
  }

  it('meters a stream without include_usage with the tokens the client received', async () => {
    const { text, requestId } = await stream(tg, { messages: [{ role: 'user', content: 'echo: The quick brown fox jumps over the lazy dog.' }] });
    expect(text).toBe('The quick brown fox jumps over the lazy dog.');
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ status: 'ok', completion_tokens: BigInt(encodingForModel('tollgate-sim').count(text)) });
    expect(event.completion_tokens).toBe(10n);
    expect(event.cost_picos).toBe(event.prompt_tokens * 200_000n + 10n * 1_250_000n);
  });

  it('counts an aborted stream with the tokens the client received', async () => {
    const { text, requestId } = await stream(tg, { messages: [{ role: 'user', content: 'echo: alpha beta gamma delta epsilon zeta eta theta' }] }, 3);
    expect(text).toBe('alpha beta gamma');
    const event = await eventOf(requestId);
    expect(event).toMatchObject({ status: 'aborted', usage_estimated: 1n, completion_tokens: 3n, error_code: 'client_closed' });
    expect(event.cost_picos).toBe(event.prompt_tokens * 200_000n + 3n * 1_250_000n);
  });
});
