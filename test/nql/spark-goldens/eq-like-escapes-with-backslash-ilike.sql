SELECT
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`geo`['city'] LIKE 'Saint%' OR `ds_100`.`tags`[0] LIKE 'x\\%y' OR `ds_100`.`tags`[0] LIKE 'a\\\\b' OR `ds_100`.`geo`['city'] ILIKE 'nyc'
