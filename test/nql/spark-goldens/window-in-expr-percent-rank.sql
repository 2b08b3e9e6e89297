SELECT
  `ds_100`.`id`,
  ROUND(PERCENT_RANK() OVER (ORDER BY `ds_100`.`amount` NULLS LAST), 3) `pr`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`amount` IS NOT NULL
