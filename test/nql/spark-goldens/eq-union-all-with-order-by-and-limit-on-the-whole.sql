SELECT
  `ds_200`.`country` `place`
FROM
  narrative.datasets.ds_200 `ds_200`
UNION ALL
SELECT
  `ds_100`.`geo`['city'] `city`
FROM
  narrative.datasets.ds_100 `ds_100`
ORDER BY
  `place` NULLS LAST
LIMIT 4
