import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { browser, tokenOf } from './helpers/browser.js';
import { client, type Answer, type Call } from './helpers/admin.js';
import { answerProblems, openaiDocument, schemaProblems } from './helpers/openai-contract.js';
import { PASSWORD } from './helpers/people.js';
import { linkIn, startTestSmtp, type TestSmtp } from './helpers/smtp.js';
import { startTestTollgate, type TestTollgate } from './helpers/tollgate.js';

/**
 * Every answer Tollgate gives on an OpenAI path is one OpenAI's own OpenAPI
 * document allows (test/fixtures/openai-openapi): inference objects, stream
 * chunks, errors and the Administration API. Tollgate may add fields; it may
 * not leave out, mistype or null what the document requires.
 */
const OPENAI_AUDIT_TYPES: string[] = (openaiDocument().components.schemas.AuditLogEventType.enum as string[]);

describe("answers on OpenAI's paths validate against OpenAI's OpenAPI document", { timeout: 120_000 }, () => {
  let tg: TestTollgate;
  let smtp: TestSmtp;
  let admin: Call;
  let project: Call;

  beforeAll(async () => {
    smtp = await startTestSmtp();
    tg = await startTestTollgate({ smtp_url: smtp.url });
    admin = client(tg.url, tg.adminKey);
    project = client(tg.url, tg.projectKey);
  });
  afterAll(async () => {
    await tg.stop();
    await smtp.stop();
  });

  /**
   * An audit entry is OpenAI's AuditLog, except where OpenAI's closed lists have no name for
   * what happened: Tollgate's own event types (credits, budgets, tiers, ...) and its actors
   * without a key or session (`cli`, `system`). Those keep their names; nothing else may differ.
   */
  function auditProblems(entry: any): string[] {
    const own = !OPENAI_AUDIT_TYPES.includes(entry.type);
    const ownActor = !['api_key', 'session'].includes(entry.actor.type);
    const checked = { ...entry, type: own ? 'project.created' : entry.type, actor: ownActor ? { ...entry.actor, type: 'api_key' } : entry.actor };
    return schemaProblems('AuditLog', checked);
  }

  /** Calls and checks the answer against the operation's documented answer (or ErrorResponse); returns it. */
  async function valid(call: Call, method: string, path: string, body?: unknown, expectedStatus = 200): Promise<Answer> {
    const answer = await call(method, path, body);
    expect(answer.status, `${method} ${path}: ${JSON.stringify(answer.body)}`).toBe(expectedStatus);
    expect.soft(answerProblems(method, path, answer.status, answer.body), `${method} ${path}: ${JSON.stringify(answer.body)}`).toEqual([]);
    return answer;
  }

  /** The `data:` payloads of an SSE answer, each checked against the named schema. */
  async function validStream(path: string, body: unknown, schema: string): Promise<any[]> {
    const response = await fetch(`${tg.url}${path}`, { method: 'POST', headers: { authorization: `Bearer ${tg.projectKey}`, 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect(response.status).toBe(200);
    const events = (await response.text())
      .split('\n\n')
      .map((frame) => frame.split('\n').find((line) => line.startsWith('data: '))?.slice(6))
      .filter((data): data is string => data !== undefined && data !== '[DONE]')
      .map((data) => JSON.parse(data));
    expect(events.length).toBeGreaterThan(1);
    for (const event of events) expect.soft(schemaProblems(schema, event), JSON.stringify(event)).toEqual([]);
    return events;
  }

  it('chat completions, JSON and streamed, with tools and logprobs', async () => {
    const messages = [{ role: 'user', content: 'Hello!' }];
    await valid(project, 'POST', '/v1/chat/completions', { model: 'tollgate-sim', messages, n: 2, max_tokens: 20 });
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } } }];
    const called = await valid(project, 'POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: [{ role: 'user', content: 'get_weather city=Paris' }], tools });
    expect(called.body.choices[0].message.tool_calls[0].function.name).toBe('get_weather');
    await valid(project, 'POST', '/v1/chat/completions', { model: 'tollgate-sim', messages, response_format: { type: 'json_object' } });
    const chunks = await validStream('/v1/chat/completions', { model: 'tollgate-sim', messages, stream: true, stream_options: { include_usage: true } }, 'CreateChatCompletionStreamResponse');
    expect(chunks.at(-1).usage.total_tokens).toBeGreaterThan(0);
    await validStream('/v1/chat/completions', { model: 'tollgate-sim', messages: [{ role: 'user', content: 'get_weather city=Oslo' }], tools, stream: true }, 'CreateChatCompletionStreamResponse');
  });

  it('completions, embeddings and models', async () => {
    await valid(project, 'POST', '/v1/completions', { model: 'tollgate-sim', prompt: ['Say this', 'and that'], max_tokens: 10 });
    await valid(project, 'POST', '/v1/embeddings', { model: 'tollgate-sim-embed', input: ['one', 'two'] });
    // The document types `embedding` as numbers only; with `encoding_format: base64` OpenAI answers the
    // float32 bytes as base64 text (the SDKs ask for it and decode it), and so does Tollgate.
    const packed = await project('POST', '/v1/embeddings', { model: 'tollgate-sim-embed', input: 'one', encoding_format: 'base64', dimensions: 8 });
    expect(Buffer.from(packed.body.data[0].embedding, 'base64').length).toBe(8 * 4);
    expect(schemaProblems('CreateEmbeddingResponse', { ...packed.body, data: [{ ...packed.body.data[0], embedding: [0] }] })).toEqual([]);
    const models = await valid(project, 'GET', '/v1/models');
    expect(models.body.data.map((m: any) => m.id)).toContain('tollgate-sim');
    await valid(project, 'GET', '/v1/models/tollgate-sim');
  });

  it('responses, JSON and streamed, with a function call', async () => {
    await valid(project, 'POST', '/v1/responses', { model: 'tollgate-sim', input: 'Hello!', instructions: 'Be brief.', max_output_tokens: 30 });
    const tools = [{ type: 'function', name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } }, required: ['city'] } }];
    const called = await valid(project, 'POST', '/v1/responses', { model: 'tollgate-sim', input: 'get_weather city=Paris', tools });
    const call = called.body.output.find((item: any) => item.type === 'function_call');
    expect(call.name).toBe('get_weather');
    await valid(project, 'POST', '/v1/responses', {
      model: 'tollgate-sim',
      input: [
        { role: 'user', content: 'get_weather city=Paris' },
        { type: 'function_call', call_id: call.call_id, name: 'get_weather', arguments: call.arguments },
        { type: 'function_call_output', call_id: call.call_id, output: '{"temperature":21}' },
      ],
      tools,
    });
    const events = await validStream('/v1/responses', { model: 'tollgate-sim', input: 'Hello!', stream: true }, 'ResponseStreamEvent');
    expect(events.at(-1).type).toBe('response.completed');
    await validStream('/v1/responses', { model: 'tollgate-sim', input: 'get_weather city=Oslo', tools, stream: true }, 'ResponseStreamEvent');
  });

  it('errors', async () => {
    await valid(client(tg.url, null), 'POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: [] }, 401);
    await valid(client(tg.url, 'sk-proj-wrong'), 'GET', '/v1/models', undefined, 401);
    await valid(project, 'POST', '/v1/chat/completions', { model: 'tollgate-sim', messages: 'hello' }, 400);
    await valid(project, 'POST', '/v1/chat/completions', { model: 'no-such-model', messages: [{ role: 'user', content: 'hi' }] }, 404);
    await valid(project, 'POST', '/v1/responses', { model: 'tollgate-sim', input: 'hi', previous_response_id: 'resp_1' }, 400);
    await valid(project, 'GET', '/v1/models/no-such-model', undefined, 404);
    await valid(project, 'GET', '/v1/organization/projects', undefined, 403);
    await valid(admin, 'GET', '/v1/organization/projects/proj_missing', undefined, 404);
    await valid(admin, 'POST', '/v1/organization/projects', { name: '' }, 400);
  });

  it('projects, project keys, service accounts, admin keys and the audit log', async () => {
    const created = await valid(admin, 'POST', '/v1/organization/projects', { name: 'Contract' });
    const p = `/v1/organization/projects/${created.body.id}`;
    await valid(admin, 'GET', '/v1/organization/projects?limit=5');
    await valid(admin, 'GET', p);
    await valid(admin, 'POST', p, { name: 'Contract (renamed)' });
    const bootstrapKeys = await valid(admin, 'GET', `/v1/organization/projects/${tg.projectId}/api_keys`);
    expect(bootstrapKeys.body.data.length).toBeGreaterThan(0);
    const key = (await admin('POST', `${p}/api_keys`, { name: 'contract' })).body;
    await valid(admin, 'GET', `${p}/api_keys`);
    await valid(admin, 'GET', `${p}/api_keys/${key.id}`);
    const account = await valid(admin, 'POST', `${p}/service_accounts`, { name: 'bot' });
    await valid(admin, 'GET', `${p}/service_accounts`);
    await valid(admin, 'GET', `${p}/service_accounts/${account.body.id}`);
    await valid(admin, 'GET', `${p}/api_keys`);
    await valid(admin, 'GET', `${p}/api_keys/${account.body.api_key.id}`);
    await valid(admin, 'DELETE', `${p}/service_accounts/${account.body.id}`);
    await valid(admin, 'DELETE', `${p}/api_keys/${key.id}`);
    const adminKey = await valid(admin, 'POST', '/v1/organization/admin_api_keys', { name: 'contract' });
    await valid(admin, 'GET', '/v1/organization/admin_api_keys');
    await valid(admin, 'GET', `/v1/organization/admin_api_keys/${adminKey.body.id}`);
    await valid(admin, 'DELETE', `/v1/organization/admin_api_keys/${adminKey.body.id}`);
    await valid(admin, 'GET', `/v1/organization/projects/${tg.projectId}/rate_limits`);
    await valid(admin, 'POST', `/v1/organization/projects/${tg.projectId}/rate_limits/rl-tollgate-sim`, { max_requests_per_1_minute: 100 });
    await valid(admin, 'POST', `${p}/archive`);
    const audit = await admin('GET', '/v1/organization/audit_logs?limit=100');
    expect(audit.body.data.length).toBeGreaterThan(5);
    expect(answerProblems('GET', '/v1/organization/audit_logs', 200, { ...audit.body, data: [] })).toEqual([]);
    for (const entry of audit.body.data) expect.soft(auditProblems(entry), JSON.stringify(entry)).toEqual([]);
  });

  it('usage and costs', async () => {
    const start = Math.floor(Date.now() / 86_400_000) * 86_400;
    await expect.poll(async () => JSON.stringify((await admin('GET', `/v1/organization/costs?start_time=${start}`)).body), { timeout: 45_000 }).toContain('value_exact');
    await valid(admin, 'GET', `/v1/organization/usage/completions?start_time=${start}`);
    await valid(admin, 'GET', `/v1/organization/usage/completions?start_time=${start}&group_by[]=model&group_by[]=project_id&group_by[]=api_key_id`);
    await valid(admin, 'GET', `/v1/organization/usage/completions?start_time=${start}&bucket_width=1h`);
    await valid(admin, 'GET', `/v1/organization/usage/embeddings?start_time=${start}&group_by[]=model`);
    await valid(admin, 'GET', `/v1/organization/costs?start_time=${start}`);
    await valid(admin, 'GET', `/v1/organization/costs?start_time=${start}&group_by[]=project_id&group_by[]=line_item`);
  });

  it('members, invites and project members', async () => {
    const invite = await valid(admin, 'POST', '/v1/organization/invites', { email: 'ada@example.com', role: 'reader', projects: [{ id: tg.projectId, role: 'member' }] });
    const token = tokenOf(linkIn(await smtp.next('ada@example.com', /invited/)));
    const ada = browser(tg.url);
    const accepted = await ada.call('POST', '/v1/auth/invites/accept', { token, password: PASSWORD, name: 'Ada' });
    const userId = accepted.body.user.id as string;
    const made = await ada.call('POST', `/v1/organization/projects/${tg.projectId}/api_keys`, { name: 'ada laptop' }, { 'openai-organization': tg.organizationId });
    expect(made.status, JSON.stringify(made.body)).toBe(200);
    const own = await valid(admin, 'GET', `/v1/organization/projects/${tg.projectId}/api_keys/${made.body.id}`);
    expect(own.body.owner).toEqual({ type: 'user', user: { object: 'organization.user', id: userId, email: 'ada@example.com', name: 'Ada', created_at: expect.any(Number), role: 'member' } });
    expect(own.body.owner_project_access).toBe('active');
    await valid(admin, 'GET', '/v1/organization/invites');
    await valid(admin, 'GET', `/v1/organization/invites/${invite.body.id}`);
    const pending = await valid(admin, 'POST', '/v1/organization/invites', { email: 'bob@example.com', role: 'owner' });
    await valid(admin, 'DELETE', `/v1/organization/invites/${pending.body.id}`);
    await valid(admin, 'GET', '/v1/organization/users');
    await valid(admin, 'GET', `/v1/organization/users/${userId}`);
    await valid(admin, 'POST', `/v1/organization/users/${userId}`, { role: 'reader' });
    const p = `/v1/organization/projects/${tg.projectId}/users`;
    await valid(admin, 'GET', p);
    await valid(admin, 'GET', `${p}/${userId}`);
    await valid(admin, 'POST', `${p}/${userId}`, { role: 'owner' });
    await valid(admin, 'DELETE', `${p}/${userId}`);
    const left = await valid(admin, 'GET', `/v1/organization/projects/${tg.projectId}/api_keys/${made.body.id}?include_revoked=true`);
    expect(left.body.owner_project_access).toBe('inactive');
    await valid(admin, 'POST', p, { user_id: userId, role: 'member' });
    await valid(admin, 'DELETE', `/v1/organization/users/${userId}`);
  });
});
