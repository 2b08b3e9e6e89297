import type { Command } from 'commander';
import type { JobState, WebhookDeliveryStatus, WebhookStatus } from '../../client/types.js';
import { apiFrom, withApiOptions, type ApiFlags } from '../api-target.js';
import { age, cut, details, emit, table, type OutputFlags } from '../output.js';
import { oneOf } from '../parse.js';

type Flags = ApiFlags & OutputFlags;
const list = (text: string) => text.split(',').map((s) => s.trim()).filter(Boolean);
const output = (c: Command) => c
  .option('--json', 'print the API\'s JSON')
  .option('--field <path>', 'print one field of the JSON');

/** `jobplane webhook create|list|get|deliveries|archive|enable|retry`: webhook subscriptions to job transitions. */
export function registerWebhook(program: Command): void {
  const webhook = program.command('webhook').description('webhook subscriptions: job transitions POSTed to your URL');

  output(withApiOptions(webhook.command('create').description('subscribe a URL; prints the subscription and its signing secret (shown once)')))
    .requiredOption('--url <url>', 'where deliveries are POSTed (https, or http to a host the server allows)')
    .option('--name <name>', 'a label')
    .option('--job <ids>', 'only these jobs (comma-separated)', list)
    .option('--type <types>', 'only jobs of these types (comma-separated)', list)
    .option('--state <states>', 'only transitions to these states (comma-separated)', list)
    .action(async (o: Flags & { url: string; name?: string; job?: string[]; type?: string[]; state?: string[] }) => {
      const { client } = await apiFrom(o);
      const created = await client.createWebhook({
        type: 'webhook_subscription_jobs', url: o.url, ...(o.name ? { name: o.name } : {}), ...(o.job ? { job_ids: o.job } : {}),
        ...(o.type ? { job_types: o.type } : {}), ...(o.state ? { states: o.state as JobState[] } : {}),
      });
      emit(created, o, () => details([['id', created.id], ['url', created.url], ['status', created.status], ['secret', created.secret],
        ['note', 'the secret is shown only now: verify each delivery\'s signature with it']]));
    });

  output(withApiOptions(webhook.command('list').description('the company\'s subscriptions')))
    .option('--status <status>', 'active, disabled or archived', oneOf<WebhookStatus>('--status', ['active', 'disabled', 'archived']))
    .action(async (o: Flags & { status?: WebhookStatus }) => {
      const { client } = await apiFrom(o);
      const page = await client.listWebhooks(o.status ? { status: o.status } : {});
      emit(page, o, () => page.records.length === 0 ? 'no webhooks' : table(['id', 'name', 'status', 'url', 'filters', 'last error'],
        page.records.map((w) => [w.id, w.name, w.status, w.url, filters(w.jobIds, w.jobTypes, w.jobStates), cut(w.lastError, 50)])));
    });

  output(withApiOptions(webhook.command('get <webhook-id>').description('one subscription')))
    .action(async (id: string, o: Flags) => {
      const { client } = await apiFrom(o);
      const w = await client.getWebhook(id);
      emit(w, o, () => details([['id', w.id], ['name', w.name], ['url', w.url], ['status', w.status],
        ['filters', filters(w.jobIds, w.jobTypes, w.jobStates)], ['disabled because', w.disabledReason ?? undefined],
        ['failing since', w.failingSince ?? undefined], ['last error', w.lastError ?? undefined], ['created', w.createdAt]]));
    });

  output(withApiOptions(webhook.command('deliveries <webhook-id>').description('a subscription\'s deliveries, newest first')))
    .option('--status <status>', 'waiting, pending, delivering, succeeded, failed or cancelled',
      oneOf<WebhookDeliveryStatus>('--status', ['waiting', 'pending', 'delivering', 'succeeded', 'failed', 'cancelled']))
    .option('--job <id>', 'only deliveries about this job')
    .action(async (id: string, o: Flags & { status?: WebhookDeliveryStatus; job?: string }) => {
      const { client } = await apiFrom(o);
      const page = await client.listWebhookDeliveries(id, { ...(o.status ? { status: o.status } : {}), ...(o.job ? { job_id: o.job } : {}) });
      emit(page, o, () => page.records.length === 0 ? 'no deliveries' : table(['id', 'event', 'job', 'status', 'attempts', 'response', 'age', 'error'],
        page.records.map((d) => [d.id, d.eventType, d.jobId, d.status, d.attempts, d.responseStatus, age(d.createdAt), cut(d.lastError, 40)])));
    });

  for (const [verb, what] of [['archive', 'stop delivering for good'], ['enable', 'deliver again (a disabled subscription)']] as const) {
    output(withApiOptions(webhook.command(`${verb} <webhook-id>`).description(what)))
      .action(async (id: string, o: Flags) => {
        const { client } = await apiFrom(o);
        const w = verb === 'archive' ? await client.archiveWebhook(id) : await client.enableWebhook(id);
        emit(w, o, () => `${w.id}: ${w.status}`);
      });
  }

  output(withApiOptions(webhook.command('retry <webhook-id> <delivery-id>').description('deliver a failed delivery again')))
    .action(async (id: string, deliveryId: string, o: Flags) => {
      const { client } = await apiFrom(o);
      const d = await client.retryWebhookDelivery(id, deliveryId);
      emit(d, o, () => `${d.id}: ${d.status}`);
    });
}

function filters(jobs: string[] | null, types: string[] | null, states: string[] | null): string {
  const parts = [jobs && `jobs ${jobs.join(',')}`, types && `types ${types.join(',')}`, states && `states ${states.join(',')}`].filter(Boolean);
  return parts.length ? parts.join('; ') : 'every job';
}
