/**
 * Synthetic data for sample dataset 6402 (the seed's `company_data."6402"`): mobile location pings in which
 * devices stay at places for hours, so the seed's "continuous presence" query has something to find.
 *
 * Generated entirely inside DuckDB from `range(rows)` with hash-based pseudo-randomness: no JavaScript row
 * loop, 1.6-3.6 s for 1M rows on a busy 2-CPU machine, and the same (rows, seed) always gives the same rows
 * (DuckDB's hash() is stable within a DuckDB version; a version bump may change the data, never the shape).
 * Per-device and per-place values (md5, sha256) are computed once in small tables and joined: hashing them
 * per row was most of the cost.
 *
 * Model (row i):
 *   stay   = i / 4, ping k = i % 4        every stay has 4 pings
 *   device = stay % devices               devices = rows / 50, so ~12 stays per device
 *   visit  = stay / devices               the device's n-th stay, 8 hours after the previous one
 *   place  = one of the device's 3 favourite places (75%) or any place of the pool (25%); pool = devices / 4
 *   time   = visit start + k * 80 min + jitter in [-20, +20] min, so consecutive pings of a stay are
 *            40..120 minutes apart at exactly the same latitude/longitude.
 * About 1% of rows have a null mobile id value (the seed query filters them), 40% of devices no hashed_email,
 * 10% of rows no horizontal_accuracy.
 */
import type { QueryOptions, SqlRunner } from '../engine/duck-session.js';
import type { DatasetSchema } from '../../core/dataset-schema.js';
import { writeSnapshot, type WrittenSnapshot } from '../storage/write-snapshot.js';

export const SAMPLE_DATASET_ID = 6402;
export const SAMPLE_COMPANY_ID = 1;
export const SAMPLE_DATASET_NAME = 'sample_mobile_location_pings';
export const SAMPLE_DEFAULT_ROWS = 1_000_000;
export const SAMPLE_DEFAULT_SEED = 6402;

export const SAMPLE_DATASET_SCHEMA: DatasetSchema = {
  type: 'object',
  properties: {
    mobile_id_unique_identifier: {
      type: 'object',
      properties: { value: { type: 'string' }, type: { type: 'string' } },
    },
    timestamp_object: {
      type: 'object',
      properties: { day: { type: 'string' }, hour: { type: 'long' } },
    },
    geographic_location: {
      type: 'object',
      properties: { latitude: { type: 'double' }, longitude: { type: 'double' } },
    },
    event_timestamp: { type: 'timestamptz' },
    hashed_email: { type: 'string' },
    country_code: { type: 'string' },
    horizontal_accuracy: { type: 'double' },
  },
};

export interface SampleOptions {
  rows?: number;
  seed?: number;
}

/** The generating SELECT; its columns match SAMPLE_DATASET_SCHEMA (writeSnapshot casts to it as well). */
export function sampleDatasetSql(options: SampleOptions = {}): string {
  const rows = positiveInteger('rows', options.rows ?? SAMPLE_DEFAULT_ROWS);
  const seed = positiveInteger('seed', options.seed ?? SAMPLE_DEFAULT_SEED);
  const devices = Math.max(1, Math.floor(rows / 50));
  const places = Math.max(1, Math.floor(devices / 4));
  // 2024-06-01T00:00:00Z; epoch seconds keep every derivation independent of the session time zone.
  const baseEpoch = 1_717_200_000;
  return `
WITH devices AS (
  SELECT device,
    substr(h, 1, 8) || '-' || substr(h, 9, 4) || '-' || substr(h, 13, 4) || '-' || substr(h, 17, 4) || '-' ||
      substr(h, 21, 12) AS mobile_id,
    CASE WHEN hash(${seed}, 'os', device) % 2 = 0 THEN 'idfa' ELSE 'gaid' END AS id_type,
    CASE WHEN hash(${seed}, 'email', device) % 10 < 6
      THEN sha256('user' || device::VARCHAR || '@example.com') END AS hashed_email
  FROM (SELECT d AS device, md5(${seed}::VARCHAR || ':device:' || d::VARCHAR) AS h FROM range(${devices}) t(d))
), places AS (
  SELECT pl AS place,
    25.0 + (hash(${seed}, 'lat', pl) % 2400000)::DOUBLE / 100000 AS latitude,
    -124.0 + (hash(${seed}, 'lon', pl) % 5700000)::DOUBLE / 100000 AS longitude,
    CASE hash(${seed}, 'country', pl) % 20 WHEN 0 THEN 'CA' WHEN 1 THEN 'MX' ELSE 'US' END AS country_code
  FROM range(${places}) t(pl)
), pings AS (
  SELECT i, device,
    CASE WHEN hash(${seed}, 'explore', stay) % 4 = 0
      THEN hash(${seed}, 'any-place', stay) % ${places}
      ELSE hash(${seed}, 'favourite', device, hash(${seed}, 'pick', stay) % 3) % ${places}
    END AS place,
    ${baseEpoch} + visit * 28800 + (hash(${seed}, 'start', stay) % 7200)::BIGINT
      + k * 4800 + (hash(${seed}, 'jitter', i) % 2401)::BIGINT - 1200 AS epoch_s
  FROM (
    SELECT i, stay, k, stay % ${devices} AS device, stay // ${devices} AS visit
    FROM (SELECT i, i // 4 AS stay, i % 4 AS k FROM range(${rows}) t(i))
  )
)
SELECT
  struct_pack(
    value := CASE WHEN hash(${seed}, 'null-id', i) % 100 = 0 THEN NULL ELSE d.mobile_id END,
    type := d.id_type
  ) AS mobile_id_unique_identifier,
  struct_pack(
    day := (DATE '1970-01-01' + (epoch_s // 86400)::INTEGER)::VARCHAR,
    hour := (epoch_s % 86400) // 3600
  ) AS timestamp_object,
  struct_pack(latitude := pl.latitude, longitude := pl.longitude) AS geographic_location,
  to_timestamp(epoch_s) AS event_timestamp,
  d.hashed_email,
  pl.country_code,
  CASE WHEN hash(${seed}, 'accuracy', i) % 10 = 0 THEN NULL
    ELSE 3.0 + (hash(${seed}, 'accuracy-m', i) % 9700)::DOUBLE / 100 END AS horizontal_accuracy
FROM pings JOIN devices AS d USING (device) JOIN places AS pl USING (place)`;
}

/** Writes the sample dataset as one snapshot into `outDir` (an empty or missing snapshot directory). */
export async function generateSampleDataset(
  engine: SqlRunner,
  outDir: string,
  options: SampleOptions & QueryOptions = {},
): Promise<WrittenSnapshot> {
  return writeSnapshot(engine, {
    sql: sampleDatasetSql(options),
    outDir,
    schema: SAMPLE_DATASET_SCHEMA,
    signal: options.signal,
  });
}

function positiveInteger(name: string, value: number): number {
  if (!Number.isSafeInteger(value) || value <= 0) throw new Error(`${name} must be a positive integer, got ${value}`);
  return value;
}
