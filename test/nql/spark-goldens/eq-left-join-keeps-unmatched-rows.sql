SELECT
  `e`.`id`,
  `u`.`country`
FROM
  narrative.datasets.ds_100 `e`
  LEFT JOIN narrative.datasets.ds_200 `u` ON `e`.`user_id` = `u`.`user_id`
