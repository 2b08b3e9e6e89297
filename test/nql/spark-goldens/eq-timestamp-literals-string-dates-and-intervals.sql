SELECT
  `ds_100`.`id`,
  `ds_100`.`event_timestamp` + INTERVAL '1' DAY `next_day`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`event_timestamp` >= TIMESTAMP '2024-01-09 00:00:00' AND `ds_100`.`event_timestamp` < '2024-02-01' AND `ds_100`.`event_date` <> DATE '2024-01-13'
