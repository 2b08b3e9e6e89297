// Public surface of the NQL front end. A plain list of re-exports: the analyzer/compilers add theirs below.
export * from './ast.js';
export * from './errors.js';
export { parse, parseStatements, DEFAULT_MAX_DEPTH, type ParseOptions } from './parser.js';
export {
  print,
  printQuery,
  printExpr,
  printType,
  printIdentifier,
  printString,
  printFromItem,
  printOrderItems,
  printWindowSpec,
  printBudget,
  printCmvOption,
} from './printer.js';
export { Prec, BINARY_PRECEDENCE, precedenceOf } from './precedence.js';
export { lex } from './lexer.js';
export type { Token, TokenType } from './tokens.js';
export { RESERVED_WORDS, isReserved } from './keywords.js';
export {
  toValidateJson,
  type ValidateNode,
  type ValidateJsonOptions,
  type TableMetadata,
  type ResolvedColumn,
} from './validate-json.js';
export { formatError, formatDetail, type FormatErrorOptions } from './format-error.js';

// Back end: dataset schema model, function catalog, analyzer and SQL compilers.
export {
  validateDatasetSchema,
  assertDatasetSchema,
  SCALAR_ATTRIBUTE_TYPES,
  RESERVED_ATTRIBUTE_NAMES,
  type Attribute,
  type ScalarAttribute,
  type ObjectAttribute,
  type ArrayAttribute,
  type ScalarAttributeType,
  type DatasetSchema,
  type SchemaError,
} from './schema.js';
export type { NqlType } from './types.js';
export {
  FUNCTION_LIST,
  lookupFunction,
  functionAliases,
  forbiddenFunctionReason,
  type FunctionDef,
  type DialectId,
} from './functions.js';
export {
  analyze,
  collectDatasetRefs,
  datasetRefOf,
  describeRef,
  refKey,
  NqlAnalysisError,
  PASSES,
  MATERIALIZED_VIEW_TAG,
  type Analysis,
  type DatasetRef,
  type ResolvedDataset,
  type OutputColumn,
  type StatementKind,
  type ViewSpec,
  type ViewBudget,
  type RetentionPolicy,
  type PartitionField,
  type NqlAnalysisErrorCode,
} from './analyzer/index.js';
export { compile, DIALECTS, DUCKDB, SPARK, NqlCompileError, type Dialect } from './compile/index.js';
