SELECT
  COUNT(1) `n`,
  SUM(`ds_100`.`amount`) `total`
FROM
  narrative.datasets.ds_100 `ds_100`
HAVING
  COUNT(1) > 5
