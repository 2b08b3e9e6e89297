SELECT
  `ds_100`.`geo`['city'] `c`,
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
