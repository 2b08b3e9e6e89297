SELECT
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  0 <= CAST(1.50 AS DOUBLE) AND `ds_100`.`id` > 3
