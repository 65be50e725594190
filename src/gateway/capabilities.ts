import { TollgateError } from '../common/errors.js';
import type { ModelCapability } from '../config/index.js';
import type { ChatRequest } from '../contract/index.js';
import type { CatalogueModel } from '../routing/index.js';

const WHAT: Record<ModelCapability, string> = {
  chat: 'chat completions',
  tools: 'tools',
  vision: 'image inputs',
  embeddings: 'embeddings',
  json_schema: "structured outputs ('json_schema' response format)",
};

function require(model: CatalogueModel, capability: ModelCapability, param: string): void {
  if (model.capabilities.includes(capability)) return;
  throw new TollgateError('invalid_value', { param, message: `The model \`${model.name}\` does not support ${WHAT[capability]}.` });
}

/** The first image part of the conversation, as a `param` path. */
function firstImageParam(body: ChatRequest): string | null {
  for (const [i, message] of body.messages.entries()) {
    if (message.role !== 'user' || !Array.isArray(message.content)) continue;
    const j = message.content.findIndex((part) => part.type === 'image_url');
    if (j >= 0) return `messages[${i}].content[${j}]`;
  }
  return null;
}

/** A request that uses something the model cannot do is refused with a 400 naming what, before anything is forwarded. */
export function requireChatCapabilities(model: CatalogueModel, body: ChatRequest): void {
  require(model, 'chat', 'model');
  if ((body.tools?.length ?? 0) > 0) require(model, 'tools', 'tools');
  if ((body.functions?.length ?? 0) > 0) require(model, 'tools', 'functions');
  if (body.response_format?.type === 'json_schema') require(model, 'json_schema', 'response_format');
  const image = firstImageParam(body);
  if (image) require(model, 'vision', image);
}
