import type { Command } from 'commander';
import { act, listFlags, withConnection } from './manage-common.js';
import { CliError, formatList, formatObject } from './manage-format.js';

/** `email` / `no-email` / `webhook` / `no-webhook` -> a channel choice. */
function channelChoice(words: string[]): { email?: boolean; webhook?: boolean } {
  const choice: { email?: boolean; webhook?: boolean } = {};
  for (const word of words) {
    const match = /^(no-)?(email|webhook)$/.exec(word);
    if (!match) throw new CliError(`expected email, no-email, webhook or no-webhook, got '${word}'`);
    choice[match[2] as 'email' | 'webhook'] = !match[1];
  }
  return choice;
}

/** `tollgate notifications ...` and `tollgate webhooks ...`: what was sent, to which channels, and where webhooks go. */
export function registerNoticeCommands(program: Command): void {
  const notices = program.command('notifications').description('Notices of the organization (budget, balance, auto-recharge, tier, keys) and which go by mail or webhook.').addHelpText('after', '\nExamples:\n  $ tollgate notifications list --url http://127.0.0.1:8787\n  $ tollgate notifications read --all');
  withConnection(notices.command('list').description('List notifications, newest first.'))
    .option('--limit <n>', 'page size (1-100)', '20')
    .option('--after <id>', 'continue after this id')
    .option('--unread', 'only those not marked read')
    .addHelpText('after', '\nExample:\n  $ tollgate notifications list --unread --data-dir ./data')
    .action(act(async (c, _a, f) => {
      const value = await c.call('listNotifications', { query: { ...listFlags(f), unread: f.unread ? 'true' : undefined } });
      return { value, text: formatList(value, ['id', 'type', 'project_id', 'created_at', 'read_at']) };
    }));
  withConnection(notices.command('read [notification_id]').description('Mark one notification read, or with --all every unread one.'))
    .option('--all', 'mark every unread notification read')
    .addHelpText('after', '\nExamples:\n  $ tollgate notifications read evt_01jd...\n  $ tollgate notifications read --all')
    .action(act(async (c, [id], f) => {
      if (f.all) {
        const value = await c.call('markAllNotificationsRead');
        return { value, text: `Marked ${value.marked} notification(s) read.` };
      }
      if (!id) throw new CliError('name a notification id, or use --all');
      const value = await c.call('markNotificationRead', { params: { notification_id: id } });
      return { value, text: formatObject(value) };
    }));
  withConnection(notices.command('channels [event_type] [choice] [second_choice]').description('Show which event types go by mail to the Owners and which to webhooks, or change one (email, no-email, webhook, no-webhook).'))
    .addHelpText('after', '\nExamples:\n  $ tollgate notifications channels\n  $ tollgate notifications channels balance.low no-webhook')
    .action(act(async (c, args) => {
      const [type, ...words] = args;
      const value = type
        ? await c.call('updateNotificationPreferences', { body: { events: { [type]: channelChoice(words) } } })
        : await c.call('retrieveNotificationPreferences');
      const rows = Object.entries(value.events as Record<string, { email: boolean; webhook: boolean }>).map(([event, choice]) => ({ id: event, event, email: choice.email ? 'yes' : 'no', webhook: choice.webhook ? 'yes' : 'no' }));
      return { value, text: formatList({ data: rows, has_more: false, last_id: null }, ['event', 'email', 'webhook']) };
    }));

  const hooks = program.command('webhooks').description('Webhook endpoints of the organization: signed POSTs of every notice (Standard Webhooks, as OpenAI signs).').addHelpText('after', '\nExamples:\n  $ tollgate webhooks list --url http://127.0.0.1:8787\n  $ tollgate webhooks create https://example.com/hooks/tollgate');
  withConnection(hooks.command('create <url>').description('Register an endpoint; its signing secret is printed once.'))
    .option('--description <text>', 'what it is for')
    .addHelpText('after', '\nExample:\n  $ tollgate webhooks create https://ops.example.com/tollgate --description pager')
    .action(act(async (c, [url], f) => {
      const value = await c.call('createWebhook', { body: { url, ...(f.description ? { description: f.description } : {}) } });
      const { signing_secret: secret, ...endpoint } = value;
      return { value, text: `${formatObject(endpoint)}\n\nsigning_secret: ${secret}\n\nThe signing secret above is shown once: store it now.` };
    }));
  withConnection(hooks.command('list').description('List endpoints (never their secrets).'))
    .addHelpText('after', '\nExample:\n  $ tollgate webhooks list')
    .action(act(async (c) => {
      const value = await c.call('listWebhooks');
      return { value, text: formatList(value, ['id', 'url', 'status', 'consecutive_failures', 'disabled_reason']) };
    }));
  for (const [name, status, what] of [['enable', 'enabled', 'Enable an endpoint again (its failures are forgotten).'], ['disable', 'disabled', 'Stop sending to an endpoint.']] as const) {
    withConnection(hooks.command(`${name} <webhook_id>`).description(what))
      .addHelpText('after', `\nExample:\n  $ tollgate webhooks ${name} whk_01jd...`)
      .action(act(async (c, [id]) => {
        const value = await c.call('updateWebhook', { params: { webhook_id: id! }, body: { status } });
        return { value, text: formatObject(value) };
      }));
  }
  withConnection(hooks.command('delete <webhook_id>').description('Remove an endpoint; its pending deliveries are given up.'))
    .addHelpText('after', '\nExample:\n  $ tollgate webhooks delete whk_01jd...')
    .action(act(async (c, [id]) => {
      const value = await c.call('deleteWebhook', { params: { webhook_id: id! } });
      return { value, text: `Deleted ${value.id}.` };
    }));
}
