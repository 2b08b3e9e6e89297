SELECT DISTINCT
  `ds_100`.`user_id`,
  `ds_100`.`geo`['city'] `city`
FROM
  narrative.datasets.ds_100 `ds_100`
