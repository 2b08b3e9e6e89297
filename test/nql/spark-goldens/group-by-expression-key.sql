SELECT
  LOWER(`ds_100`.`event_type`) `t`,
  UPPER(LOWER(`ds_100`.`event_type`)) `u`,
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `ds_100`
GROUP BY
  LOWER(`ds_100`.`event_type`)
