import { z } from 'zod';
import { getKeyModelPolicy, getProjectModelPolicy, modelPermissionsBody, setKeyModelPolicy, setProjectModelPolicy, type ModelPolicy } from '../control/index.js';
import { op, parseBody, type Operation } from './operation.js';

/*
 * Model permissions: OpenAI's project model permissions (path, shape and
 * objects as OpenAI's admin API and SDK have them), and the same for one key
 * (a Tollgate extension: a key's list narrows its project's).
 */

const P = '/projects/:project_id';
const KEY = `${P}/api_keys/:key_id`;

const mode = z.enum(['allow_list', 'deny_list']);
export const projectModelPermissionsSchema = z.object({ object: z.literal('project.model_permissions'), mode, model_ids: z.array(z.string()) });
export const keyModelPermissionsSchema = z.object({ object: z.literal('project.api_key.model_permissions'), mode, model_ids: z.array(z.string()) });
export const projectModelPermissionsDeletedSchema = z.object({ object: z.literal('project.model_permissions.deleted'), deleted: z.boolean() });
export const keyModelPermissionsDeletedSchema = z.object({ object: z.literal('project.api_key.model_permissions.deleted'), deleted: z.boolean() });

const projectObject = (policy: ModelPolicy): z.infer<typeof projectModelPermissionsSchema> => ({ object: 'project.model_permissions', mode: policy.mode, model_ids: policy.modelIds });
const keyObject = (policy: ModelPolicy): z.infer<typeof keyModelPermissionsSchema> => ({ object: 'project.api_key.model_permissions', mode: policy.mode, model_ids: policy.modelIds });

export const modelPermissionOperations: Operation[] = [
  op({
    id: 'retrieveProjectModelPermissions', method: 'GET', path: `${P}/model_permissions`, openai: true, summary: 'The models the project may use (none set: a deny list naming nothing)', returns: 'project.model_permissions', response: projectModelPermissionsSchema,
    handler: async (ctx, { params }) => projectObject(await getProjectModelPolicy(ctx.deps, ctx.actor, params.project_id!)),
  }),
  op({
    id: 'updateProjectModelPermissions', method: 'POST', path: `${P}/model_permissions`, openai: true, summary: "Set the project's allow list or deny list of models (public names or aliases)", returns: 'project.model_permissions', response: projectModelPermissionsSchema, body: modelPermissionsBody,
    handler: async (ctx, { params, body }) => projectObject(await setProjectModelPolicy(ctx.deps, ctx.actor, params.project_id!, parseBody(modelPermissionsBody, body))),
  }),
  op({
    id: 'deleteProjectModelPermissions', method: 'DELETE', path: `${P}/model_permissions`, openai: true, summary: "Remove the project's model permissions: every model again", returns: 'project.model_permissions.deleted', response: projectModelPermissionsDeletedSchema,
    async handler(ctx, { params }) {
      await setProjectModelPolicy(ctx.deps, ctx.actor, params.project_id!, null);
      return { object: 'project.model_permissions.deleted', deleted: true };
    },
  }),
  op({
    id: 'retrieveKeyModelPermissions', method: 'GET', path: `${KEY}/model_permissions`, openai: false, summary: "The key's own model permissions (the project's apply as well)", returns: 'project.api_key.model_permissions', response: keyModelPermissionsSchema,
    handler: async (ctx, { params }) => keyObject(await getKeyModelPolicy(ctx.deps, ctx.actor, params.project_id!, params.key_id!)),
  }),
  op({
    id: 'updateKeyModelPermissions', method: 'POST', path: `${KEY}/model_permissions`, openai: false, summary: "Set the key's allow list or deny list of models; it narrows the project's", returns: 'project.api_key.model_permissions', response: keyModelPermissionsSchema, body: modelPermissionsBody,
    handler: async (ctx, { params, body }) => keyObject(await setKeyModelPolicy(ctx.deps, ctx.actor, params.project_id!, params.key_id!, parseBody(modelPermissionsBody, body))),
  }),
  op({
    id: 'deleteKeyModelPermissions', method: 'DELETE', path: `${KEY}/model_permissions`, openai: false, summary: "Remove the key's own model permissions (the project's still apply)", returns: 'project.api_key.model_permissions.deleted', response: keyModelPermissionsDeletedSchema,
    async handler(ctx, { params }) {
      await setKeyModelPolicy(ctx.deps, ctx.actor, params.project_id!, params.key_id!, null);
      return { object: 'project.api_key.model_permissions.deleted', deleted: true };
    },
  }),
];
