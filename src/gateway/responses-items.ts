import type { ResponseOutputItem } from '../contract/index.js';

/**
 * Output items of recent responses, so a client that refers back to them
 * (`{type: "item_reference", id}`, as the AI SDK does for earlier assistant
 * text unless `store: false`) gets them resolved. Tollgate stores no responses:
 * this is a bounded in-memory cache of one instance, per project, oldest out
 * first. A reference it no longer holds is a 400 naming the input item.
 */
export interface ResponseItems {
  remember(scope: string, items: readonly ResponseOutputItem[]): void;
  lookup(scope: string, id: string): ResponseOutputItem | undefined;
}

const MAX_ITEMS = 10_000;
/** Items larger than this (serialized) are not kept: the cache holds at most ~MAX_ITEMS * MAX_ITEM_BYTES. */
const MAX_ITEM_BYTES = 16 * 1024;

export function createResponseItems(maxItems = MAX_ITEMS): ResponseItems {
  const items = new Map<string, ResponseOutputItem>();
  return {
    remember(scope, output) {
      for (const item of output) {
        if (JSON.stringify(item).length > MAX_ITEM_BYTES) continue;
        const key = `${scope}/${item.id}`;
        items.delete(key);
        items.set(key, item);
        if (items.size > maxItems) items.delete(items.keys().next().value!);
      }
    },
    lookup: (scope, id) => items.get(`${scope}/${id}`),
  };
}
