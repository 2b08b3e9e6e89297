SELECT
  `ds_100`.`geo`['city'] `city`,
  `ds_100`.`event_type`,
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `ds_100`
GROUP BY
  `ds_100`.`geo`['city'],
  2
