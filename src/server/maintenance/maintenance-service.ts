import type { Logger } from 'pino';
import type { Db } from '../../store/db/types.js';
import { executorsPruneSilent } from '../../store/executors.js';
import type { JobSignals } from '../../store/job-signals.js';
import { jobsExpireCancellations, jobsExpireLeases, planesWithDueRetries } from '../../store/maintenance.js';
import { jobsPurgeFinished } from '../../store/retention.js';
import type { RetryPolicy } from '../../store/retry-policy.js';
import type { Metrics } from '../../api/metrics.js';
import type { TransitionEffects } from '../../api/transition-effects.js';

/** Arbitrary constant: only the API server holding this advisory lock runs a maintenance pass. */
const MAINTENANCE_LOCK_KEY = 7_311_002_003;

export interface MaintenanceConfig {
  intervalMs: number;
  retry: RetryPolicy;
  /** Executors silent this long are deregistered. */
  executorSilenceMs: number;
  /** Finished jobs are deleted this long after they ended (`JOBPLANE_JOB_RETENTION_DAYS`); 0 or absent = kept. */
  retentionMs?: number;
}

export interface MaintenanceCounts {
  ran: boolean;
  leasesExpired: number;
  cancellationsFinalized: number;
  executorsPruned: number;
  planesWoken: number;
  jobsPurged: number;
}

/**
 * Background upkeep inside every API server: lease expiry, cancellation finalizer, executor pruning, wake-ups for
 * retries that fell due, deletion of finished jobs past their retention. N servers coordinate through a non-blocking advisory lock, so each pass runs once.
 * `runOnce()` does one pass and returns counts, so tests drive it without timers.
 */
export class MaintenanceService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<unknown> | undefined;

  constructor(
    private readonly db: Db,
    private readonly signals: JobSignals,
    private readonly config: MaintenanceConfig,
    private readonly logger: Logger,
    private readonly metrics?: Metrics,
    private readonly effects?: TransitionEffects,
  ) {}

  async runOnce(): Promise<MaintenanceCounts> {
    const counts = await this.db.withAdvisoryLock(MAINTENANCE_LOCK_KEY, async (conn) => {
      const expired = await jobsExpireLeases(conn, this.config.retry);
      const finalized = await jobsExpireCancellations(conn);
      const leasesExpired = expired.length;
      const cancellationsFinalized = finalized.length;
      const executorsPruned = await executorsPruneSilent(conn, this.config.executorSilenceMs);
      // At most one batch per pass, so a large backlog of old history is deleted a little at a time.
      const jobsPurged = this.config.retentionMs ? await jobsPurgeFinished(conn, this.config.retentionMs) : 0;
      // Twice the interval: a retry due between two passes is seen by at least one of them.
      const planes = await planesWithDueRetries(conn, this.config.intervalMs * 2);
      return {
        ran: true, leasesExpired, cancellationsFinalized, executorsPruned, jobsPurged, planesWoken: planes.length, planes,
        moved: [...expired.map((j) => ({ ...j, action: 'expire_lease' })), ...finalized.map((j) => ({ ...j, action: 'expire_cancellation' }))],
      };
    }, { wait: false });
    if (!counts) return { ran: false, leasesExpired: 0, cancellationsFinalized: 0, executorsPruned: 0, planesWoken: 0, jobsPurged: 0 };
    const { planes, moved, ...result } = counts;
    // Transitions made here have the same effects as any other (metrics, wake-ups of claimers and watches).
    await this.effects?.applied(moved.map((j) => ({
      action: j.action, type: j.type, dataPlaneId: j.data_plane_id, executor: j.executor, from: j.from_state, to: j.to_state,
    })));
    for (const plane of planes) await this.signals.notify(plane);
    this.metrics?.leaseExpiries.inc(result.leasesExpired);
    this.metrics?.jobsPurged.inc(result.jobsPurged);
    if (result.leasesExpired || result.cancellationsFinalized || result.executorsPruned || result.jobsPurged) {
      this.logger.info(result, 'maintenance pass');
    }
    return result;
  }

  start(): void {
    const tick = () => {
      this.running = this.runOnce()
        .catch((err) => this.logger.warn({ err }, 'maintenance pass failed; will retry'))
        .finally(() => {
          this.running = undefined;
          if (this.timer) this.timer = setTimeout(tick, this.config.intervalMs);
        });
    };
    this.timer = setTimeout(tick, this.config.intervalMs);
  }

  async stop(): Promise<void> {
    const timer = this.timer;
    this.timer = undefined;
    if (timer) clearTimeout(timer);
    await this.running;
  }
}
