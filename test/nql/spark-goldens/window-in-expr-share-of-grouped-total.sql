SELECT
  `ds_100`.`event_type`,
  COUNT(1) `n`,
  CAST(100.0 AS DOUBLE) * COUNT(1) / SUM(COUNT(1)) OVER () `pct`
FROM
  narrative.datasets.ds_100 `ds_100`
GROUP BY
  `ds_100`.`event_type`
