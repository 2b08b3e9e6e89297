import type { Job } from '../core/job.js';

/** Renders a timestamptz as ISO 8601 UTC with microseconds, in SQL, because JS Dates keep only milliseconds. */
export const ts = (col: string): string => `to_char(${col} AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;

/** The select list that turns a `jobs` row (under alias `alias`) into the API's Job shape. */
export function jobColumns(alias: string): string {
  const c = (name: string) => `${alias}.${name}`;
  return [
    `${c('job_id')}::text AS job_id`,
    `${c('company_id')} AS company_id`,
    `${c('data_plane_id')}::text AS data_plane_id`,
    `${c('compute_pool_id')}::text AS compute_pool_id`,
    `${c('execution_cluster')} AS execution_cluster`,
    `${c('request_source')} AS request_source`,
    `${c('state')} AS state`,
    `${c('type')} AS type`,
    `${c('input')} AS input`,
    `${c('inputs')} AS inputs`,
    `${c('executor')} AS executor`,
    `${c('failures')} AS failures`,
    `${c('idempotency_key')} AS idempotency_key`,
    `${c('result')} AS result`,
    `${c('progress')} AS progress`,
    `${c('priority')} AS priority`,
    `${c('attempt')} AS attempt`,
    `${c('max_attempts')} AS max_attempts`,
    `${ts(c('lease_expires_at'))} AS lease_expires_at`,
    `${ts(c('retry_at'))} AS retry_at`,
    `${ts(c('cancel_requested_at'))} AS cancel_requested_at`,
    `${ts(c('created_at'))} AS created_at`,
    `${ts(c('updated_at'))} AS updated_at`,
    `${ts(c('dequeued_at'))} AS dequeued_at`,
    `${ts(c('ended_at'))} AS ended_at`,
  ].join(', ');
}

export type JobRow = Omit<Job, 'execution_cluster'> & { execution_cluster: 'dedicated' | 'shared' };

export function toJob(row: JobRow): Job {
  return { ...row, execution_cluster: { type: row.execution_cluster } };
}

/**
 * Who may see a job: a user token sees its company's jobs; an operator token (bound to a data plane) sees the jobs
 * of its plane, whatever their company. Returns the SQL condition and pushes its values.
 */
export type JobScope = { companyId: number; dataPlaneId?: undefined } | { dataPlaneId: string; companyId?: undefined };

export function scopeCondition(alias: string, scope: JobScope, values: unknown[]): string {
  if (scope.dataPlaneId !== undefined) {
    values.push(scope.dataPlaneId);
    return `${alias}.data_plane_id = $${values.length}::uuid`;
  }
  values.push(scope.companyId);
  return `${alias}.company_id = $${values.length}`;
}
