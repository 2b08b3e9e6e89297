import { describe, expect, it } from 'vitest';
import { validateDatasetSchema } from '../../src/nql/schema.js';
import { SEED } from './fixtures/datasets.js';

describe('validateDatasetSchema', () => {
  it('accepts the fixture schemas and Narrative MV schemas with file_config', () => {
    expect(validateDatasetSchema(SEED.schema)).toEqual([]);
    expect(
      validateDatasetSchema({ file_config: { type: 'json' }, type: 'object', properties: { a: { display_name: 'a', type: 'long' } } }),
    ).toEqual([]);
  });

  it('points at every problem', () => {
    const errors = validateDatasetSchema(
      {
        type: 'object',
        extra: 1,
        properties: {
          ok: { type: 'string' },
          bad_type: { type: 'int' },
          geo: { type: 'object', properties: { lat: { type: 'double', items: { type: 'long' } }, 'a/b': { type: 'long' } } },
          tags: { type: 'array' },
          Ok: { type: 'long' },
          _nio_id: { type: 'string' },
          'has space': { type: 'string' },
          display: { type: 'string', display_name: 3 },
        },
      },
      '/schema',
    );
    expect(errors).toEqual([
      { pointer: '/schema/extra', message: 'unknown member "extra"' },
      { pointer: '/schema/properties/bad_type/type', message: 'must be one of string, long, double, boolean, timestamptz, date, object, array' },
      { pointer: '/schema/properties/geo/properties/lat/items', message: 'unknown member "items" for type double' },
      {
        pointer: '/schema/properties/geo/properties/a~1b',
        message: 'attribute name "a/b" must start with a letter or underscore and contain only letters, digits and underscores',
      },
      { pointer: '/schema/properties/tags/items', message: 'attribute must be an object with a "type"' },
      { pointer: '/schema/properties/Ok', message: 'attribute "Ok" differs from "ok" only by case' },
      { pointer: '/schema/properties/_nio_id', message: 'attribute name "_nio_id" is reserved by the platform' },
      {
        pointer: '/schema/properties/has space',
        message: 'attribute name "has space" must start with a letter or underscore and contain only letters, digits and underscores',
      },
      { pointer: '/schema/properties/display/display_name', message: 'must be a string' },
    ]);
  });

  it('refuses non-objects, empty property lists and excessive nesting', () => {
    expect(validateDatasetSchema(null)).toEqual([{ pointer: '', message: 'schema must be an object' }]);
    expect(validateDatasetSchema({ type: 'object', properties: {} })).toEqual([
      { pointer: '/properties', message: 'must declare at least one attribute' },
    ]);
    let deep: Record<string, unknown> = { type: 'long' };
    for (let i = 0; i < 20; i++) deep = { type: 'object', properties: { x: deep } };
    const errors = validateDatasetSchema({ type: 'object', properties: { x: deep } });
    expect(errors).toHaveLength(1);
    expect(errors[0]?.message).toBe('attributes nest deeper than 16 levels');
  });

  it('does not trip over prototype keys', () => {
    const schema = JSON.parse('{"type":"object","properties":{"__proto__":{"type":"long"},"constructor":{"type":"string"}}}') as unknown;
    expect(validateDatasetSchema(schema)).toEqual([]);
  });
});
