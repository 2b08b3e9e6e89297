(SELECT
    `ds_200`.`user_id`
  FROM
    narrative.datasets.ds_200 `ds_200`
  INTERSECT
  SELECT
    `ds_100`.`user_id`
  FROM
    narrative.datasets.ds_100 `ds_100`)
EXCEPT
SELECT
  `ds_100`.`user_id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`event_type` = 'view'
