SELECT
  `ds_100`.`id`,
  `ds_100`.`amount`
FROM
  narrative.datasets.ds_100 `ds_100`
ORDER BY
  `ds_100`.`amount` DESC NULLS LAST,
  `ds_100`.`id` NULLS LAST
LIMIT 5 OFFSET 1
