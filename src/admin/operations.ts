import type { Operation } from './operation.js';
import { modelPermissionOperations } from './model-permission-operations.js';
import { orgOperations } from './org-operations.js';
import { projectOperations } from './project-operations.js';
import { noticeOperations, spendOperationsTable } from '../notices/index.js';

/** Every admin API operation, in the order the OpenAPI document lists them. */
export const OPERATIONS: readonly Operation[] = [...projectOperations, ...modelPermissionOperations, ...orgOperations, ...noticeOperations, ...spendOperationsTable];

export function operationById(id: string): Operation {
  const found = OPERATIONS.find((o) => o.id === id);
  if (!found) throw new Error(`unknown admin operation ${id}`);
  return found;
}
