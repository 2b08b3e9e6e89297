// What the emitter carries while printing one statement.
import type { Bindings } from '../analyzer/index.js';
import type { Dialect } from './dialect.js';

export interface EmitContext {
  dialect: Dialect;
  bindings: Bindings;
  /** Counter for relation names the emitter itself introduces (QUALIFY rewrite). */
  generated: number;
  /** Indentation level of the line being printed. */
  depth: number;
}
