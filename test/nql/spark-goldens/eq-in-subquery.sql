SELECT
  `ds_100`.`id`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`user_id` IN (SELECT
      `ds_200`.`user_id`
    FROM
      narrative.datasets.ds_200 `ds_200`
    WHERE
      `ds_200`.`country` = 'US')
