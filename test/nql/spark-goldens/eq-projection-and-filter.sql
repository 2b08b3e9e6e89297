SELECT
  `ds_100`.`id`,
  `ds_100`.`amount`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`amount` > 1
