SELECT
  `e`.`geo`['city'] `city`,
  `e`.`id`
FROM
  narrative.datasets.ds_100 `e`
