SELECT
  `ds_100`.`user_id`,
  SUM(`ds_100`.`amount`) `total`,
  RANK() OVER (ORDER BY SUM(`ds_100`.`amount`) DESC NULLS LAST) `r`,
  ROUND(SUM(`ds_100`.`amount`) / SUM(SUM(`ds_100`.`amount`)) OVER (), 4) `share`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`user_id` IS NOT NULL
GROUP BY
  `ds_100`.`user_id`
