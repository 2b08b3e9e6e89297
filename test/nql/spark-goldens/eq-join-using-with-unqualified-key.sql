SELECT
  `ds_100`.`user_id`,
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `ds_100`
  INNER JOIN narrative.datasets.ds_200 `ds_200` USING (`user_id`)
GROUP BY
  `ds_100`.`user_id`
