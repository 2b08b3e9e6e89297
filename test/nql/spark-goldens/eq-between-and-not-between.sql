SELECT
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`amount` >= 1 AND `ds_100`.`amount` <= 30 AND NOT (`ds_100`.`id` >= 3 AND `ds_100`.`id` <= 4)
