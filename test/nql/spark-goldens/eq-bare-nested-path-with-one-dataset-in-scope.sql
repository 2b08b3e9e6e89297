SELECT
  `ds_100`.`geo`['city'] `city`,
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`geo`['lat'] > 40
