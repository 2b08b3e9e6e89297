SELECT
  `ds_100`.`id`,
  `ds_100`.`user_id`,
  ROUND(SUM(`ds_100`.`amount`) OVER (PARTITION BY `ds_100`.`user_id`), 2) `user_total`
FROM
  narrative.datasets.ds_100 `ds_100`
