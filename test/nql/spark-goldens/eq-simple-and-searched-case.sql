SELECT
  `ds_100`.`id`,
  CASE `ds_100`.`event_type` WHEN 'view' THEN 1 WHEN 'click' THEN 2 ELSE 0 END `code`,
  CASE WHEN `ds_100`.`amount` >= 10 THEN 'big' WHEN `ds_100`.`amount` > 0 THEN 'small' ELSE 'zero' END `size`
FROM
  narrative.datasets.ds_100 `ds_100`
