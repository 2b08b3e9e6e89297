/**
 * The Narrative dataset schema, the one model of it in jobplane: `{type:"object", properties:{name:{type,
 * display_name?, properties?, items?}}}`. Its validation lives in src/nql/schema.ts (the API calls it for
 * `POST /datasets`); its mapping to each engine's column types lives in that engine's module
 * (src/plane/engine/duckdb-types.ts, src/plane/spark/).
 */

export const SCALAR_ATTRIBUTE_TYPES = ['string', 'long', 'double', 'boolean', 'timestamptz', 'date'] as const;
export type ScalarAttributeType = (typeof SCALAR_ATTRIBUTE_TYPES)[number];

export interface ScalarAttribute {
  type: ScalarAttributeType;
  display_name?: string;
  description?: string;
}
export interface ObjectAttribute {
  type: 'object';
  display_name?: string;
  description?: string;
  properties: Record<string, Attribute>;
}
export interface ArrayAttribute {
  type: 'array';
  display_name?: string;
  description?: string;
  items: Attribute;
}
export type Attribute = ScalarAttribute | ObjectAttribute | ArrayAttribute;

export interface DatasetSchema {
  type: 'object';
  properties: Record<string, Attribute>;
  /** Narrative returns it on MV datasets (`{type:"json"}`); carried through untouched. */
  file_config?: Record<string, unknown>;
  description?: string;
}

/** Short text for messages: `object{latitude: double, longitude: double}`, `array<string>`. */
export function describeAttribute(t: Attribute): string {
  switch (t.type) {
    case 'object':
      return `object{${Object.entries(t.properties).map(([name, child]) => `${name}: ${describeAttribute(child)}`).join(', ')}}`;
    case 'array':
      return `array<${describeAttribute(t.items)}>`;
    default:
      return t.type;
  }
}
