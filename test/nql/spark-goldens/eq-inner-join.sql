SELECT
  `e`.`id`,
  `u`.`name`
FROM
  narrative.datasets.ds_100 `e`
  INNER JOIN narrative.datasets.ds_200 `u` ON `e`.`user_id` = `u`.`user_id`
WHERE
  `u`.`country` = 'US'
