import client from 'prom-client';
import type { Db } from '../store/db/types.js';
import { executorCountsByStatus, jobCountsByStateAndType } from '../store/metrics-queries.js';
import { eventsUnsequencedCount } from '../store/events.js';
import { deliveriesOpenCounts } from '../store/webhook-deliveries.js';

/**
 * Prometheus metrics, one registry per app instance (tests start many). Gauges that describe the database
 * (jobs by state, executors) are computed at scrape time, so every API server reports the same truth.
 */
export class Metrics {
  readonly registry = new client.Registry();
  readonly httpDuration = new client.Histogram({
    name: 'jobplane_http_request_duration_seconds',
    help: 'HTTP request latency by route and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.001, 0.002, 0.005, 0.01, 0.02, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });
  readonly transitions = new client.Counter({
    name: 'jobplane_job_transitions_total',
    help: 'Job state transitions made through this server',
    labelNames: ['type', 'from', 'to', 'action'] as const,
    registers: [this.registry],
  });
  readonly claimWait = new client.Histogram({
    name: 'jobplane_claim_wait_seconds',
    help: 'How long claim requests waited before returning, by whether they got jobs',
    labelNames: ['outcome'] as const,
    buckets: [0.001, 0.01, 0.05, 0.1, 0.5, 1, 2, 5, 10, 30],
    registers: [this.registry],
  });
  readonly runBatchSize = new client.Histogram({
    name: 'jobplane_run_batch_size',
    help: 'Run requests written together as one statement (1 = alone); see JOBPLANE_RUN_BATCH_MAX',
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly writeBatchSize = new client.Histogram({
    name: 'jobplane_write_batch_size',
    help: 'Writes (create, claim, complete, fail, heartbeat) written together as one statement, by kind (1 = alone)',
    labelNames: ['kind'] as const,
    buckets: [1, 2, 4, 8, 16, 32, 64, 128],
    registers: [this.registry],
  });
  readonly jobsPurged = new client.Counter({
    name: 'jobplane_jobs_purged_total',
    help: 'Finished jobs deleted with their events after JOBPLANE_JOB_RETENTION_DAYS',
    registers: [this.registry],
  });
  readonly leaseExpiries = new client.Counter({
    name: 'jobplane_lease_expiries_total',
    help: 'Running jobs whose lease expired (executor died or stalled)',
    registers: [this.registry],
  });

  // Events out (docs/events.md).
  readonly feedClients = new client.Gauge({
    name: 'jobplane_event_feed_clients',
    help: 'GET /events streams open on this server',
    registers: [this.registry],
  });
  readonly eventsSequenced = new client.Counter({
    name: 'jobplane_events_sequenced_total',
    help: 'Job events given their feed position by this server\'s sequencer',
    registers: [this.registry],
  });
  readonly webhookDeliveries = new client.Counter({
    name: 'jobplane_webhook_deliveries_total',
    help: 'Webhook delivery attempts made by this server, by outcome (succeeded; retrying, failed = given up, lost = lease taken over)',
    labelNames: ['outcome'] as const,
    registers: [this.registry],
  });
  readonly webhookDeliveryLatency = new client.Histogram({
    name: 'jobplane_webhook_delivery_latency_seconds',
    help: 'From the event\'s transition to the receiver\'s 2xx, for deliveries that succeeded (retries included)',
    buckets: [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 60, 600, 3600, 86400],
    registers: [this.registry],
  });
  readonly webhookAttemptDuration = new client.Histogram({
    name: 'jobplane_webhook_attempt_duration_seconds',
    help: 'One attempt\'s HTTP exchange with the receiver',
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30],
    registers: [this.registry],
  });

  constructor(db: Db) {
    client.collectDefaultMetrics({ register: this.registry, prefix: 'jobplane_process_' });
    new client.Gauge({
      name: 'jobplane_jobs',
      help: 'Jobs by state and type (from the database, at scrape time)',
      labelNames: ['state', 'type'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await jobCountsByStateAndType(db);
        for (const r of rows) this.set({ state: r.state, type: r.type }, r.n);
      },
    });
    new client.Gauge({
      name: 'jobplane_executors',
      help: 'Registered executors by status',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        const rows = await executorCountsByStatus(db);
        for (const r of rows) this.set({ status: r.status }, r.n);
      },
    });
    new client.Gauge({
      name: 'jobplane_webhook_outbox',
      help: 'Webhook deliveries not yet ended, by status (waiting = behind an earlier event of the same job)',
      labelNames: ['status'] as const,
      registers: [this.registry],
      async collect() {
        this.reset();
        for (const [status, n] of Object.entries(await deliveriesOpenCounts(db))) this.set({ status }, n);
      },
    });
    new client.Gauge({
      name: 'jobplane_events_unsequenced',
      help: 'Committed job events still waiting for their feed position',
      registers: [this.registry],
      async collect() {
        this.set(await eventsUnsequencedCount(db));
      },
    });
  }

  recordTransition(type: string, from: string | null, to: string, action: string): void {
    this.transitions.inc({ type, from: from ?? 'none', to, action });
  }
}
