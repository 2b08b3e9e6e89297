SELECT
  `u`.`tag`,
  `s`.`name`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL explode(`e`.`tags`) `u`(`tag`)
  INNER JOIN narrative.datasets.ds_200 `s` ON `s`.`user_id` = `e`.`user_id`
WHERE
  `u`.`tag` = 'a'
