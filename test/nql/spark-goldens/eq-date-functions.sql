SELECT
  `ds_100`.`id`,
  DATE_TRUNC('month', `ds_100`.`event_timestamp`) `month_start`,
  DATE_TRUNC('day', `ds_100`.`event_date`) `day_start`,
  DATE_ADD(`ds_100`.`event_date`, 30) `plus30`,
  DATE_SUB(`ds_100`.`event_timestamp`, 1) `minus1`,
  DATEDIFF(`ds_100`.`event_date`, DATE '2024-01-01') `since`,
  ADD_MONTHS(`ds_100`.`event_date`, 1) `next_month`,
  UNIX_TIMESTAMP(`ds_100`.`event_timestamp`) `epoch_s`,
  FROM_UNIXTIME(86400 + 61) `t`,
  TO_DATE('2024-02-01') `d`,
  YEAR(`ds_100`.`event_timestamp`) `y`,
  TO_TIMESTAMP(0) `zero`
FROM
  narrative.datasets.ds_100 `ds_100`
