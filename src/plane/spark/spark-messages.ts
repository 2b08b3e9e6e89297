/**
 * The fields of Spark Connect messages that jobplane reads or sets, as proto-loader presents them (keepCase:
 * snake_case names; int64 as decimal strings; enums as their names; oneofs as plain optional fields). The message
 * layouts themselves come from the server jar's .proto files at run time (protocol.ts); these types only let the
 * compiler check our side.
 */

/** `spark.connect.Plan`: a relation whose rows come back, or a command. */
export type Plan = { root: Relation } | { command: Command };

/** The `spark.connect.Relation` variants we send. */
export type Relation =
  | { sql: { query: string } }
  | { limit: { input: Relation; limit: number } }
  | Record<string, unknown>;

/** The `spark.connect.Command` variants we send. */
export type Command =
  | { sql_command: { input: Relation } }
  | {
    write_operation_v2: {
      input: Relation;
      table_name: string;
      mode: 'MODE_CREATE' | 'MODE_OVERWRITE' | 'MODE_OVERWRITE_PARTITIONS' | 'MODE_APPEND' | 'MODE_REPLACE' | 'MODE_CREATE_OR_REPLACE';
      options?: Record<string, string>;
      table_properties?: Record<string, string>;
      overwrite_condition?: unknown;
    };
  };

export interface ExecutePlanResponse {
  session_id?: string;
  server_side_session_id?: string;
  operation_id?: string;
  response_type?: string;
  arrow_batch?: { row_count?: string; data?: Buffer };
  sql_command_result?: { relation?: unknown };
  execution_progress?: {
    stages?: Array<{ stage_id?: string; num_tasks?: string; num_completed_tasks?: string; input_bytes_read?: string; done?: boolean }>;
    num_inflight_tasks?: string;
  };
}

/** Execution progress as jobplane reports it in a job's `progress`. */
export interface ProgressUpdate {
  stages: Array<{ stage_id: number; tasks: number; tasks_done: number; input_bytes: number; done: boolean }>;
  tasks: number;
  tasks_done: number;
  tasks_running: number;
}
