import type { TSchema } from 'typebox';
import type { Job } from '../../core/job.js';
import { BUILTIN_JOB_TYPE_IDS, isBuiltinJobType, type BuiltinJobType } from '../../core/job-types.js';
import { JOB_TYPE_SCHEMAS } from '../schemas/job-inputs.js';
import { checkInputs, type CreateCheck } from './create-checks.js';
import { checkDatasetsSampleCreate } from './datasets-sample.js';
import { checkMaterializeViewCreate, completeWithSnapshot, type CompletionWithExtras } from './materialize-view.js';
import { checkColumnStatsCreate, completeWithColumnStats } from './column-stats.js';

/**
 * The control plane's half of each job type (src/core/job-types.ts declares the types): the input schema a create
 * is validated against, what a create must check beyond the schema (ids inside the input belong to the caller),
 * and what a completion commits besides the job. The plane's half is its handler (src/plane/handlers/<type>.ts).
 */
export interface ControlPlaneJobType {
  type: string;
  builtin: boolean;
  /** Schema of `input`; absent for configured extra types (free-form input for custom handlers). */
  input?: TSchema;
  /** Checks the ids inside the input against the caller's tenancy and the job's plane; throws a DomainError. */
  checkCreate?(check: CreateCheck): Promise<void>;
  /** Commits what a completion carries besides the result (a snapshot, statistics), with the completion. */
  completeWithExtras?(completion: CompletionWithExtras, job: Job): ReturnType<typeof completeWithSnapshot>;
}

const HOOKS: { [T in BuiltinJobType]: Omit<ControlPlaneJobType, 'type' | 'builtin' | 'input'> } = {
  'materialize-view': { checkCreate: checkMaterializeViewCreate, completeWithExtras: completeWithSnapshot },
  'nql-forecast': {},
  datasets_sample: { checkCreate: checkDatasetsSampleCreate },
  'nql-preview': {},
  datasets_calculate_column_stats: { checkCreate: checkColumnStatsCreate, completeWithExtras: completeWithColumnStats },
};

/** The built-in types plus the ones this server was configured with (`JOBPLANE_EXTRA_JOB_TYPES`). */
export class JobTypeRegistry {
  private readonly byType = new Map<string, ControlPlaneJobType>();

  constructor(extraTypes: readonly string[] = []) {
    for (const type of BUILTIN_JOB_TYPE_IDS) {
      this.byType.set(type, { type, builtin: true, input: JOB_TYPE_SCHEMAS[type].input, ...HOOKS[type] });
    }
    for (const type of extraTypes) {
      if (isBuiltinJobType(type)) throw new Error(`JOBPLANE_EXTRA_JOB_TYPES names the built-in type ${type}`);
      this.byType.set(type, { type, builtin: false });
    }
  }

  /** Own keys only: a type named `constructor` or `__proto__` is simply unknown. */
  get(type: string): ControlPlaneJobType | undefined {
    return this.byType.get(type);
  }

  types(): string[] {
    return [...this.byType.keys()];
  }

  /** Every check a create of `type` must pass (the type's own, then the datasets in `inputs`). */
  async checkCreate(type: ControlPlaneJobType, check: CreateCheck): Promise<void> {
    await type.checkCreate?.(check);
    await checkInputs(check);
  }
}

export type { CreateCheck } from './create-checks.js';
export type { CompletionWithExtras } from './materialize-view.js';
