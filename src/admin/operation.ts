import type { z } from 'zod';
import { parseRequest } from '../contract/index.js';
import { getProject, type Actor, type ControlDeps } from '../control/index.js';
import { normaliseQuery } from './schemas.js';

/**
 * One admin API operation: its route, input schemas and handler. The HTTP
 * plugin registers them, the CLI calls them directly against a local store,
 * and the OpenAPI document is generated from them: one definition, three uses.
 */
export interface OperationContext {
  deps: ControlDeps;
  actor: Actor;
}

export interface OperationInput {
  params: Record<string, string>;
  query: unknown;
  body: unknown;
}

export interface Operation {
  id: string;
  method: 'GET' | 'POST' | 'DELETE';
  /** Relative to /v1/organization, Fastify style (`/projects/:project_id`). */
  path: string;
  summary: string;
  /** OpenAI has this path too (false: a Tollgate extension). */
  openai: boolean;
  query?: z.ZodType;
  body?: z.ZodType;
  /** Query parameters that take several values. */
  arrays?: readonly string[];
  /** What the answer is, for the OpenAPI document. */
  returns: string;
  /** Its schema (`response-schemas.ts`), for the OpenAPI document and the dashboard's types. */
  response?: z.ZodType;
  handler(ctx: OperationContext, input: OperationInput): Promise<unknown>;
}

export function op(definition: Operation): Operation {
  return definition;
}

export function parseQuery<T extends z.ZodType>(schema: T, query: unknown, arrays: readonly string[] = []): z.infer<T> {
  return parseRequest(schema, normaliseQuery(query, arrays));
}

/** A POST body; an empty body counts as `{}` so bodies with only optional fields may be left out. */
export function parseBody<T extends z.ZodType>(schema: T, body: unknown): z.infer<T> {
  return parseRequest(schema, body === undefined || body === null ? {} : body);
}

/**
 * Runs an operation: the project named in the path must belong to the
 * caller's organization before anything else is looked at, so another
 * organization gets the same 404 whatever it sends.
 */
export async function runOperation(operation: Operation, ctx: OperationContext, input: OperationInput): Promise<unknown> {
  if (input.params.project_id !== undefined) await getProject(ctx.deps, ctx.actor, input.params.project_id);
  return operation.handler(ctx, input);
}
