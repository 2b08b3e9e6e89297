SELECT
  `ds_100`.`event_type`,
  COUNT(1) `n`,
  AVG(`ds_100`.`amount`) `avg_amount`
FROM
  narrative.datasets.ds_100 `ds_100`
GROUP BY
  `ds_100`.`event_type`
HAVING
  COUNT(1) > 1
