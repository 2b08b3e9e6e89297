/** The data-plane operator: what `jobplane operator` runs, and what handler modules import. */
export { startOperator, OPERATOR_DEFAULTS, type OperatorOptions, type RunningOperator } from './operator.js';
export { FatalError, RetryableError, JobAbortedError, classifyFailure } from './handler-errors.js';
export { HandlerRegistry, buildRegistry, loadHandlerModule, loadBuiltinHandlers, isJobHandler } from './handler-registry.js';
export { JobCompletion, completeWith, type CompletionExtras } from './job-completion.js';
export type { AbortCause, HandlerEnv, HandlerFactory, JobContext, JobHandler, JobOutcome } from './types.js';
export { OrphanSweeper, ORPHAN_SWEEP_DEFAULTS, type OrphanSweepOptions } from './orphan-sweeper.js';
