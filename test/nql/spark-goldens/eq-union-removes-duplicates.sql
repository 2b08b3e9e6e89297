SELECT
  `ds_100`.`user_id`
FROM
  narrative.datasets.ds_100 `ds_100`
UNION
SELECT
  `ds_200`.`user_id`
FROM
  narrative.datasets.ds_200 `ds_200`
