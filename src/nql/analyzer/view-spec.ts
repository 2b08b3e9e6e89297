// What a CREATE MATERIALIZED VIEW asks for, as the API needs it to create the dataset
// (field names follow the Narrative dataset: display_name, write_mode, retention_policy, ...).

export const MATERIALIZED_VIEW_TAG = '_nio_materialized_view';

export type RetentionPolicy =
  | { type: 'retain_everything' }
  | { type: 'expire_everything' }
  /** Snapshots expire once older than `period` (ISO-8601 duration, e.g. `P30D`). */
  | { type: 'expire_when'; period: string };

export type ViewBudget =
  | { type: 'limit'; amount_usd: string; period: 'CALENDAR_MONTH' | 'CALENDAR_DAY' | null }
  | { type: 'unlimited' };

export interface PartitionField {
  /** Output column path, canonical names: `["event_timestamp"]`. */
  column: string[];
  granularity: 'DAY' | 'MONTH' | 'YEAR' | null;
}

export interface ViewSpec {
  name: string;
  display_name: string;
  description: string | null;
  /** Always contains `_nio_materialized_view`, first. */
  tags: string[];
  write_mode: 'append' | 'overwrite';
  extended_stats: 'all' | 'none';
  retention_policy: RetentionPolicy;
  /** `@hourly`, `@daily`, `@weekly`, `@monthly`, `@once` or a 5-field cron expression. */
  refresh_schedule: string;
  partitioned_by: PartitionField[];
  /** `null` when the statement gives none (the platform default applies). */
  budget: ViewBudget | null;
  status: 'active' | 'updating' | 'draft' | null;
}
