SELECT
  `ds_100`.`id`,
  DAYOFWEEK(`ds_100`.`event_date`) `dow`,
  DAYOFWEEK(`ds_100`.`event_timestamp`) `dow_ts`,
  MONTH(`ds_100`.`event_date`) `mo`,
  DAY(`ds_100`.`event_date`) `d`,
  QUARTER(`ds_100`.`event_date`) `q`,
  WEEKOFYEAR(`ds_100`.`event_date`) `w`
FROM
  narrative.datasets.ds_100 `ds_100`
