SELECT
  `u`.`name`,
  `e`.`id`,
  `p`.`country`
FROM
  narrative.datasets.ds_200 `u`
  CROSS JOIN (narrative.datasets.ds_100 `e`
  INNER JOIN narrative.datasets.ds_200 `p` ON `e`.`user_id` = `p`.`user_id`)
WHERE
  `u`.`user_id` = 'u1' AND `e`.`id` <= 3
