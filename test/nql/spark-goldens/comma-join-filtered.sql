SELECT
  `e`.`id`,
  `u`.`name`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN narrative.datasets.ds_200 `u`
WHERE
  `e`.`user_id` = `u`.`user_id` AND `u`.`country` = 'US'
