SELECT
  `ds_100`.`user_id`,
  CAST(100.0 AS DOUBLE) * COUNT(`ds_100`.`id`) OVER (PARTITION BY `ds_100`.`user_id`) / COUNT(`ds_100`.`id`) OVER () `share`
FROM
  narrative.datasets.ds_100 `ds_100`
