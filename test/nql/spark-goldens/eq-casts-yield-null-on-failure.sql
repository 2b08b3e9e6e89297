SELECT
  `ds_100`.`id`,
  CAST(`ds_100`.`id` AS STRING) `s`,
  CAST('12' AS BIGINT) `twelve`,
  CAST(`ds_100`.`user_id` AS BIGINT) `bad`,
  CAST(CAST(`ds_100`.`amount` AS DECIMAL(10, 0)) AS DOUBLE) `rounded`,
  CAST(`ds_100`.`event_date` AS TIMESTAMP) `ts`,
  CAST(`ds_100`.`id` AS DOUBLE) `dbl`
FROM
  narrative.datasets.ds_100 `ds_100`
