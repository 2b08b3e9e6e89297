SELECT
  `ds_100`.`id`,
  FIRST_VALUE(`ds_100`.`id`) OVER `w` `first_id`,
  LAST_VALUE(`ds_100`.`id`) OVER `w` `last_id`,
  SUM(`ds_100`.`amount`) OVER (PARTITION BY `ds_100`.`user_id`) `user_total`
FROM
  narrative.datasets.ds_100 `ds_100`
WINDOW
  `w` AS (PARTITION BY `ds_100`.`user_id` ORDER BY `ds_100`.`id` NULLS LAST ROWS BETWEEN UNBOUNDED PRECEDING AND UNBOUNDED FOLLOWING)
