SELECT
  `ds_100`.`geo`['city'] `city`,
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `ds_100`
GROUP BY
  `ds_100`.`geo`['city']
ORDER BY
  `n` DESC NULLS LAST,
  `city` NULLS LAST
