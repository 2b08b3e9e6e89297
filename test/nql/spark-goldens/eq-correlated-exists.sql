SELECT
  `u`.`user_id`
FROM
  narrative.datasets.ds_200 `u`
WHERE
  EXISTS (SELECT
      1 `_c0`
    FROM
      narrative.datasets.ds_100 `e`
    WHERE
      `e`.`user_id` = `u`.`user_id` AND `e`.`event_type` = 'purchase')
