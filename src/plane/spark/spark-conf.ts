/** `key=value;key=value` (JOBPLANE_SPARK_CONF, `--spark-conf`): Spark settings for every session of the plane. */
export function parseSparkConf(text: string | undefined | readonly string[]): Record<string, string> {
  const items = text === undefined ? [] : typeof text === 'string' ? text.split(';') : text;
  const conf: Record<string, string> = {};
  for (const item of items.map((i) => i.trim()).filter(Boolean)) {
    const eq = item.indexOf('=');
    if (eq <= 0) throw new Error(`Spark setting "${item}" is not key=value`);
    conf[item.slice(0, eq).trim()] = item.slice(eq + 1).trim();
  }
  return conf;
}

/**
 * Settings every session of a Spark plane runs with, whatever the cluster's defaults: the compiled `spark` SQL has
 * NQL's semantics with ANSI mode off (a CAST that fails is NULL, as on Narrative's Spark planes; Spark 4 turns ANSI
 * on by default) and a UTC session time zone (timestamps are instants; dates and hours are read in UTC).
 */
export const NQL_SPARK_SESSION_CONF: Readonly<Record<string, string>> = {
  'spark.sql.ansi.enabled': 'false',
  'spark.sql.session.timeZone': 'UTC',
};
