SELECT
  `e`.`id`,
  `u`.`tag`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL explode(`e`.`tags`) `u`(`tag`)
