// Pass: CREATE MATERIALIZED VIEW options become the ViewSpec the API needs to create the view's
// dataset. Defaults follow the Narrative docs: refresh '@once', retain everything, append,
// extended stats 'all'; the `_nio_materialized_view` tag is always present.
import type { Budget, CreateMaterializedViewStatement, PartitionSpec } from '../ast.js';
import { isTemporal, typeName } from '../types.js';
import type { AnalysisContext } from './context.js';
import { detailAt } from './errors.js';
import { descendFields } from './resolve-column.js';
import { pickByName, quotePath } from './scope.js';
import type { PartitionField, RetentionPolicy, ViewBudget, ViewSpec } from './view-spec.js';
import { MATERIALIZED_VIEW_TAG } from './view-spec.js';

const VIEW_NAME = /^[A-Za-z0-9_]{1,256}$/;
const SCHEDULE_SHORTHANDS = new Set(['@hourly', '@daily', '@weekly', '@monthly', '@once']);
const CRON_FIELD = /^[0-9A-Za-z*,/?-]+$/;
const ISO_PERIOD = /^P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$/;

function isValidSchedule(value: string): boolean {
  if (SCHEDULE_SHORTHANDS.has(value)) return true;
  const fields = value.trim().split(/\s+/);
  return fields.length === 5 && fields.every((f) => CRON_FIELD.test(f));
}

function retentionOf(value: string): RetentionPolicy | undefined {
  if (value === 'retain_everything' || value === 'expire_everything') return { type: value };
  return ISO_PERIOD.test(value) ? { type: 'expire_when', period: value } : undefined;
}

function budgetOf(budget: Budget | null): ViewBudget | null {
  if (!budget) return null;
  if (budget.kind === 'budget_unlimited') return { type: 'unlimited' };
  return { type: 'limit', amount_usd: budget.amount, period: budget.period };
}

function partitionOf(spec: PartitionSpec, ctx: AnalysisContext): PartitionField | undefined {
  const [first, ...rest] = spec.column;
  const column = first ? pickByName(ctx.outputColumns, first.value, (c) => c.name) : undefined;
  const written = spec.column.map((p) => p.value);
  if (!first || !column) {
    ctx.errors.push(detailAt(spec.span, 'unknown_column', `PARTITIONED_BY column ${quotePath(written)} is not an output column of the view`));
    return undefined;
  }
  const nested = descendFields(column.type, rest, (upTo) => quotePath([column.name, ...written.slice(1, 1 + upTo)]));
  if ('error' in nested) {
    ctx.errors.push(detailAt(spec.span, 'unknown_column', `PARTITIONED_BY: ${nested.error}`));
    return undefined;
  }
  if (spec.granularity && !isTemporal(nested.type)) {
    ctx.errors.push(detailAt(spec.span, 'invalid_option', `PARTITIONED_BY ${spec.granularity} needs a date or timestamp, ${quotePath(written)} is ${typeName(nested.type)}`));
  } else if (nested.type.type === 'object' || nested.type.type === 'array') {
    ctx.errors.push(detailAt(spec.span, 'invalid_option', `cannot partition by ${typeName(nested.type)} column ${quotePath(written)}`));
  }
  return { column: [column.name, ...nested.names], granularity: spec.granularity };
}

export function extractViewSpec(statement: CreateMaterializedViewStatement, ctx: AnalysisContext): ViewSpec {
  const name = statement.name.value;
  if (!VIEW_NAME.test(name)) {
    ctx.errors.push(detailAt(statement.name.span, 'invalid_option', 'a view name has 1 to 256 letters, digits and underscores'));
  }
  const view: ViewSpec = {
    name,
    display_name: name,
    description: null,
    tags: [MATERIALIZED_VIEW_TAG],
    write_mode: 'append',
    extended_stats: 'all',
    retention_policy: { type: 'retain_everything' },
    refresh_schedule: '@once',
    partitioned_by: [],
    budget: budgetOf(statement.budget),
    status: null,
  };
  for (const option of statement.options) {
    switch (option.kind) {
      case 'refresh_schedule_option':
        if (isValidSchedule(option.value)) view.refresh_schedule = option.value;
        else ctx.errors.push(detailAt(option.span, 'invalid_option', "REFRESH_SCHEDULE must be '@hourly', '@daily', '@weekly', '@monthly', '@once' or a 5-field cron expression"));
        break;
      case 'display_name_option':
        view.display_name = option.value;
        break;
      case 'description_option':
        view.description = option.value;
        break;
      case 'expire_option': {
        const retention = retentionOf(option.value);
        if (retention) view.retention_policy = retention;
        else ctx.errors.push(detailAt(option.span, 'invalid_option', "EXPIRE must be 'retain_everything', 'expire_everything' or an ISO-8601 period such as 'P30D'"));
        break;
      }
      case 'status_option':
        view.status = option.value;
        break;
      case 'tags_option':
        for (const tag of option.tags) {
          if (tag.trim() === '') ctx.errors.push(detailAt(option.span, 'invalid_option', 'TAGS must not contain empty tags'));
          else if (!view.tags.includes(tag)) view.tags.push(tag);
        }
        break;
      case 'write_mode_option':
        view.write_mode = option.value;
        break;
      case 'extended_stats_option':
        view.extended_stats = option.value;
        break;
      case 'partitioned_by_option':
        for (const spec of option.partitions) {
          const field = partitionOf(spec, ctx);
          if (field) view.partitioned_by.push(field);
        }
        break;
    }
  }
  return view;
}
