import type { Logger } from 'pino';
import type { JobplaneClient } from '../../client/client.js';
import { isApiError } from '../../client/errors.js';
import { sweepOrphans, type IsCommitted } from '../storage/sweep-orphans.js';

export interface OrphanSweepOptions {
  /** How often to look (`JOBPLANE_SWEEP_MS`, default 10 minutes). */
  intervalMs: number;
  /**
   * How long an uncommitted directory must have been untouched before it is deleted (`JOBPLANE_ORPHAN_AGE_MS`,
   * default 15 minutes). Keep it well above the job lease: a live attempt keeps writing or heartbeating, a dead
   * one's lease expires (and its job is retried elsewhere) long before its files qualify.
   */
  ageMs: number;
}

export const ORPHAN_SWEEP_DEFAULTS: OrphanSweepOptions = { intervalMs: 10 * 60_000, ageMs: 15 * 60_000 };

/**
 * Periodically deletes snapshot directories under the plane's storage root that no committed snapshot owns: the
 * files of an attempt whose operator was killed mid-write, or whose own cleanup failed. (An attempt that fails,
 * is cancelled or is fenced out deletes its files at once; this is the net under that.)
 *
 * "Committed" is asked of the control plane. Only a definite answer deletes: the snapshot is unknown (404) while
 * its dataset is visible to this operator. A dataset this operator cannot see, an API outage or any other error
 * keeps the directory for a later sweep: deleting committed data is the one mistake a sweep must never make.
 */
export class OrphanSweeper {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;

  constructor(
    private readonly client: JobplaneClient,
    private readonly storageRoot: string,
    private readonly options: OrphanSweepOptions,
    private readonly log: Logger,
  ) {}

  start(): void {
    this.#timer = setInterval(() => void this.sweepNow(), this.options.intervalMs);
    this.#timer.unref();
  }

  /** Stops the timer and waits for a sweep in progress. */
  async stop(): Promise<void> {
    clearInterval(this.#timer);
    await this.#running;
  }

  /** One sweep; concurrent calls share the sweep in progress. Never throws (a failed sweep is logged). */
  sweepNow(): Promise<void> {
    this.#running ??= this.#sweep().finally(() => {
      this.#running = undefined;
    });
    return this.#running;
  }

  async #sweep(): Promise<void> {
    try {
      const result = await sweepOrphans(this.storageRoot, this.#isCommitted(), this.options.ageMs);
      if (result.deleted.length > 0) this.log.info({ deleted: result.deleted }, 'orphan sweep: deleted uncommitted snapshot directories');
    } catch (err) {
      this.log.warn({ err }, 'orphan sweep failed; trying again at the next interval');
    }
  }

  /** Answers from the API, asking about each dataset once per sweep. Unsure = committed (keep). */
  #isCommitted(): IsCommitted {
    const visible = new Map<number, Promise<boolean>>();
    const datasetVisible = (id: number) => {
      let known = visible.get(id);
      if (!known) {
        known = this.client.getDataset(id).then(() => true, (err: unknown) => {
          if (isApiError(err) && err.status === 404) return false;
          throw err;
        });
        visible.set(id, known);
      }
      return known;
    };
    return async (datasetId, snapshotId) => {
      try {
        await this.client.getSnapshot(datasetId, snapshotId);
        return true;
      } catch (err) {
        if (!(isApiError(err) && err.status === 404)) throw err;
      }
      return !(await datasetVisible(datasetId));
    };
  }
}
