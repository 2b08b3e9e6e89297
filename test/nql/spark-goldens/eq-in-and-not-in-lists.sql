SELECT
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`event_type` IN ('view', 'click') AND `ds_100`.`user_id` NOT IN ('u3')
