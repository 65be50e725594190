import { z } from 'zod';
import type { NotificationType } from '../control/index.js';
import { NOTIFICATION_TYPES } from './events.js';

const types = NOTIFICATION_TYPES as unknown as [NotificationType, ...NotificationType[]];

// Requests.
export const notificationListQuery = z
  .object({
    limit: z.coerce.number().int().min(1).max(100).default(20),
    after: z.string().max(100).optional(),
    unread: z.enum(['true', 'false']).optional(),
  })
  .strict();

const choice = z.object({ email: z.boolean().optional(), webhook: z.boolean().optional() }).strict();
export const preferencesBody = z.object({ events: z.partialRecord(z.enum(types), choice) }).strict();

export const webhookBody = z.object({ url: z.string().min(1).max(2048), description: z.string().max(500).nullable().optional() }).strict();
export const webhookUpdateBody = z
  .object({ url: z.string().min(1).max(2048).optional(), description: z.string().max(500).nullable().optional(), status: z.enum(['enabled', 'disabled']).optional() })
  .strict();

// Answers.
export const notificationSchema = z.object({
  object: z.literal('organization.notification'),
  id: z.string(),
  type: z.enum(types),
  project_id: z.string().nullable(),
  resource_id: z.string().nullable(),
  created_at: z.number().int(),
  read_at: z.number().int().nullable(),
  data: z.record(z.string(), z.unknown()),
});

export const preferencesSchema = z.object({
  object: z.literal('organization.notification_preferences'),
  events: z.record(z.string(), z.object({ email: z.boolean(), webhook: z.boolean() })),
});

export const webhookSchema = z.object({
  object: z.literal('organization.webhook'),
  id: z.string(),
  url: z.string(),
  description: z.string().nullable(),
  status: z.enum(['enabled', 'disabled']),
  consecutive_failures: z.number().int(),
  disabled_reason: z.string().nullable(),
  created_at: z.number().int(),
});

export const newWebhookSchema = webhookSchema.extend({ signing_secret: z.string() });

export const markedReadSchema = z.object({ object: z.literal('organization.notifications.read'), marked: z.number().int() });
