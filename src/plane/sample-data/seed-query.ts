/**
 * The seed's "continuous presence" query (reference/seed-run-a-job.txt), written by hand in DuckDB SQL over
 * `ds_6402`. Tests and benchmarks compare the materialize-view pipeline against it: the NQL compiler's output
 * for the seed must return the same rows.
 *
 * Logic, as in the seed: per device and place, LAG of event_timestamp; a ping is "continuous" when the minute
 * of the hour minus the previous ping's minute of the hour is BETWEEN 40 AND 120 (in practice 40..59, since
 * minutes run 0..59: the seed's arithmetic, kept verbatim).
 */
export const SEED_QUERY_DUCKDB = `
SELECT mobile_id, "day", "hour", latitude, longitude
FROM (
  SELECT
    mobile_id_unique_identifier['value'] AS mobile_id,
    timestamp_object['day'] AS "day",
    timestamp_object['hour'] AS "hour",
    geographic_location['latitude'] AS latitude,
    geographic_location['longitude'] AS longitude,
    CASE
      WHEN extract(minute FROM event_timestamp) - extract(minute FROM prev_timestamp) BETWEEN 40 AND 120 THEN 1
      ELSE 0
    END AS is_continuous
  FROM (
    SELECT *,
      LAG(event_timestamp, 1) OVER (
        PARTITION BY mobile_id_unique_identifier['value'], geographic_location['latitude'],
                     geographic_location['longitude']
        ORDER BY event_timestamp
      ) AS prev_timestamp
    FROM ds_6402
    WHERE mobile_id_unique_identifier['value'] IS NOT NULL
  ) AS ordered_data
) AS continuous_presence
WHERE is_continuous = 1
GROUP BY mobile_id, "day", "hour", latitude, longitude`;
