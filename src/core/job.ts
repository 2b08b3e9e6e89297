import type { JobState } from './job-states.js';

/** Job types the control plane accepts. Each has an input schema in `src/api/schemas/job-inputs.ts`. */
export const JOB_TYPES = ['materialize-view', 'nql-forecast'] as const;
export type JobType = (typeof JOB_TYPES)[number];

export const EXECUTION_CLUSTER_TYPES = ['dedicated', 'shared'] as const;
export type ExecutionClusterType = (typeof EXECUTION_CLUSTER_TYPES)[number];

export type RequestSource =
  | { type: 'api_user'; company_id: number; user_id: number }
  | { type: 'process'; name: string };

export interface Failure {
  message: string;
  timestamp: string;
  value: Record<string, unknown>;
}

/**
 * A dataset a job reads: named at create time (the NQL analyzer's resolution), with the snapshot it was bound to
 * once the plane reports it (lineage); a snapshot id given at create pins that snapshot.
 */
export interface JobInput {
  dataset_id: number;
  snapshot_id: number | null;
}

/** The job as the `/jobs` endpoints return it (Narrative's JobResponse plus jobplane's lease fields). */
export interface Job {
  job_id: string;
  company_id: number;
  data_plane_id: string;
  compute_pool_id: string | null;
  execution_cluster: { type: ExecutionClusterType };
  request_source: RequestSource;
  state: JobState;
  type: string;
  input: Record<string, unknown>;
  inputs: JobInput[];
  executor: string | null;
  failures: Failure[];
  idempotency_key: string;
  result: Record<string, unknown> | null;
  /** The latest progress its executor reported with a heartbeat (free-form: phase, rows, ...). */
  progress: Record<string, unknown> | null;
  priority: number;
  attempt: number;
  max_attempts: number;
  lease_expires_at: string | null;
  retry_at: string | null;
  cancel_requested_at: string | null;
  created_at: string;
  updated_at: string;
  dequeued_at: string | null;
  ended_at: string | null;
}

/** Who caused a transition; stored on each job_events row. */
export type Actor =
  | { type: 'api_user'; company_id: number; user_id: number | null; token_id: string }
  | { type: 'executor'; executor: string }
  | { type: 'process'; name: string };

export const DEFAULT_MAX_ATTEMPTS = 3;
export const MAX_PRIORITY = 100;
