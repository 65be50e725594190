import type { FastifyReply, FastifyRequest } from 'fastify';
import { attributionOf, parseRequest, responsesRequestSchema } from '../contract/index.js';
import { requireChatCapabilities } from './capabilities.js';
import type { GatewayDeps } from './deps.js';
import { chatInvokeOptions, clientSignal, completeChat, countedPromptTokens, countedUsage, estimateChat, principalOf, resolveModel, streamChat } from './pipeline.js';
import type { ResponseItems } from './responses-items.js';
import { responsesWire } from './responses-stream.js';
import { chatToResponse, responsesToChat } from './responses-translate.js';
import { authorize } from './scopes.js';

/**
 * POST /v1/responses: the request is translated to one chat request and goes
 * through the same steps as chat (resolve, estimate, admit, invoke, settle);
 * the answer comes back as a response object or as Responses API events.
 */
export async function responses(deps: GatewayDeps, items: ResponseItems, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const principal = principalOf(request);
  authorize(principal, 'responses');
  const body = parseRequest(responsesRequestSchema, request.body);
  // Items are remembered per project: one project never resolves another's references.
  const scope = principal.projectId ?? principal.keyId;
  const chat = responsesToChat(body, (id) => items.lookup(scope, id));
  const model = resolveModel(deps, principal, body.model, 'chat');
  requireChatCapabilities(model, chat);
  request.modelName = model.name;
  const estimate = estimateChat(deps, chat, model);
  const startedAt = deps.clock.now();
  const ticket = await deps.admission.admit({ principal, model, endpoint: 'responses', requestId: request.id, attribution: attributionOf(body), ...estimate });
  reply.headers(ticket.headers);
  const signal = clientSignal(reply);
  const options = chatInvokeOptions(deps, request, model, chat, signal, startedAt);

  if (body.stream) {
    const streamed = { ...chat, stream: true, stream_options: { include_usage: true } };
    return streamChat(deps, reply, streamed, ticket, options, startedAt, (upstreamModel) => countedPromptTokens(chat, upstreamModel), (served) =>
      responsesWire({
        body,
        requestId: request.id,
        now: deps.clock.now,
        countUsage: (text) => countedUsage(countedPromptTokens(chat, served.deployment.model), text, served.deployment.model),
        onOutput: (output) => items.remember(scope, output),
      }),
    );
  }

  const { completion, usage } = await completeChat(deps, reply, ticket, options, chat, startedAt);
  const response = chatToResponse(completion, body, usage, deps.clock.now());
  items.remember(scope, response.output);
  return response;
}
