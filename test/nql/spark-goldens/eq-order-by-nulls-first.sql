SELECT
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
ORDER BY
  `ds_100`.`amount` NULLS FIRST,
  `ds_100`.`id` NULLS LAST
