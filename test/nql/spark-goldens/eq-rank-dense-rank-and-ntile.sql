SELECT
  `ds_100`.`id`,
  RANK() OVER (ORDER BY `ds_100`.`amount` NULLS LAST) `r`,
  DENSE_RANK() OVER (ORDER BY `ds_100`.`amount` NULLS LAST) `dr`,
  NTILE(3) OVER (ORDER BY `ds_100`.`id` NULLS LAST) `bucket`
FROM
  narrative.datasets.ds_100 `ds_100`
