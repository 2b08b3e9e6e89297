SELECT
  `ds_100`.`id`,
  LAG(`ds_100`.`amount`, 1) OVER (PARTITION BY `ds_100`.`user_id` ORDER BY `ds_100`.`event_timestamp` NULLS LAST) `prev`,
  ROW_NUMBER() OVER (PARTITION BY `ds_100`.`user_id` ORDER BY `ds_100`.`event_timestamp` DESC NULLS LAST) `rn`
FROM
  narrative.datasets.ds_100 `ds_100`
