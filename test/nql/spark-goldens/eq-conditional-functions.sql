SELECT
  `ds_100`.`id`,
  COALESCE(`ds_100`.`amount`, -1) `a`,
  NULLIF(`ds_100`.`event_type`, 'view') `t`,
  IF(`ds_100`.`amount` > 5, 'hi', 'lo') `level`,
  NVL(`ds_100`.`user_id`, '?') `u`,
  IFNULL(`ds_100`.`is_test`, TRUE) `it`
FROM
  narrative.datasets.ds_100 `ds_100`
