/** The API's shapes, as much of them as the dashboard reads (the full schemas are in /openapi.json). */

export const JOB_STATES = ['pending', 'running', 'pending_cancellation', 'completed', 'failed', 'cancelled'] as const;
export type JobState = (typeof JOB_STATES)[number];
export const TERMINAL: readonly JobState[] = ['completed', 'failed', 'cancelled'];

export type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
export type JsonObject = { [key: string]: Json };

export interface Failure {
  message: string;
  timestamp: string;
  value: JsonObject;
}

export interface JobInputRef {
  dataset_id: number;
  snapshot_id: number | null;
}

export interface Job {
  job_id: string;
  company_id: number;
  data_plane_id: string;
  compute_pool_id: string | null;
  execution_cluster: { type: 'dedicated' | 'shared' };
  request_source: JsonObject;
  state: JobState;
  type: string;
  input: JsonObject;
  /** Lineage (CONTRACTS.md): present once the server reports it. */
  inputs?: JobInputRef[];
  executor: string | null;
  failures: Failure[];
  idempotency_key: string;
  result: JsonObject | null;
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

export interface Page<T> {
  current_page: number;
  total_records: number;
  total_pages: number;
  /** GET /jobs?count=estimated: the total is the database's estimate (more than 10,000 jobs match). */
  total_records_estimated?: boolean;
  records: T[];
}

export interface JobEvent {
  id: number;
  job_id: string;
  action: string;
  from_state: JobState | null;
  to_state: JobState;
  attempt: number;
  executor: string | null;
  actor: JsonObject;
  at: string;
}

export type StateCounts = Record<JobState, number>;

export interface JobStats {
  counts: StateCounts;
  by_type: Record<string, StateCounts>;
  total: number;
  retry_scheduled: number;
}

export interface Throughput {
  minutes: number;
  from: string;
  to: string;
  buckets: Array<{ minute: string; counts: StateCounts; queue_depth: number }>;
}

export interface ExplainReason {
  code: string;
  message: string;
  details?: JsonObject;
}

export interface Explanation {
  job_id: string;
  state: JobState;
  runnable: boolean;
  reasons: ExplainReason[];
  executors: Array<{
    id: string; name: string | null; status: 'active' | 'draining'; types: string[]; compute_pool_id: string | null;
    slots: number; running_jobs: number; last_heartbeat_at: string; verdict: string;
  }>;
}

export interface Permission {
  resource: string;
  access: 'read' | 'write';
}

export interface WhoAmI {
  user_id: number | null;
  name: string | null;
  current_company_scope: { company_id: number; slug: string; name: string };
  token: { id: string; permissions: Permission[]; data_plane_id: string | null };
}

export interface DataPlane {
  id: string;
  display_name: string;
  description: string | null;
  engine: string;
  status: string;
  tags: string[];
  last_heartbeat_at: string | null;
  created_at: string;
}

export interface Executor {
  id: string;
  data_plane_id: string;
  compute_pool_id: string | null;
  name: string | null;
  types: string[];
  slots: number;
  status: 'active' | 'draining';
  running_jobs: number;
  last_heartbeat_at: string;
  created_at: string;
}

export interface SchemaNode {
  type: string;
  display_name?: string;
  properties?: Record<string, SchemaNode>;
  items?: SchemaNode;
}

export interface Dataset {
  id: number;
  data_plane_id: string;
  name: string;
  display_name: string;
  description: string | null;
  schema: SchemaNode;
  status: string;
  write_mode: string;
  tags: string[];
  retention_policy: JsonObject;
  materialized_view_config: { nql: string } | null;
  latest_snapshot_id: number | null;
  created_at: string;
  updated_at: string;
  last_snapshot_created_at: string | null;
}

export interface Snapshot {
  snapshot_id: number;
  dataset_id: number;
  parent_snapshot_id: number | null;
  operation: string;
  files: Array<{ path: string; rows: number; bytes: number }>;
  row_count: number;
  bytes: number;
  job_id: string | null;
  inputs: JobInputRef[];
  created_at: string;
}

export interface ColumnStats {
  recalculation_id: string;
  stats: {
    row_count?: number;
    columns?: Array<{ path?: string; column?: string; type?: string; null_count?: number; approx_distinct_count?: number; min?: Json; max?: Json }>;
  };
  created_at: string;
}

/** `GET /datasets/{id}/snapshots/{sid}/rows` and the nql-preview result (CONTRACTS.md). */
export interface RowsPage {
  columns: Array<{ name: string; type: string }>;
  rows: JsonObject[];
  row_count: number;
  offset?: number;
  limit?: number;
  total_rows?: number;
}

/** The /nql endpoints' view of a job. */
export interface RunResponse {
  id: string;
  type: string;
  state: JobState;
  data_plane_id: string;
  input: JsonObject & { dataset?: Dataset };
  result: JsonObject | null;
  failures: Failure[];
  created_at: string;
  completed_at: string | null;
}

export interface CompileResponse {
  kind: 'select' | 'explain' | 'create_materialized_view';
  dialect: string;
  compiled_sql: string;
  output_schema: SchemaNode;
  dataset_ids: number[];
}
