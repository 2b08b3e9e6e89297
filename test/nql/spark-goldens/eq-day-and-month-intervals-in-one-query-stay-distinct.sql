SELECT
  `ds_100`.`id`,
  `ds_100`.`event_timestamp` + INTERVAL '30' DAY `a`,
  `ds_100`.`event_timestamp` + INTERVAL '1' MONTH `b`,
  `ds_100`.`event_timestamp` - INTERVAL '2' HOUR `c`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`id` = 1
