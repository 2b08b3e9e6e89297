SELECT
  `tag`.`tag`,
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL explode(`e`.`tags`) `tag`(`tag`)
GROUP BY
  `tag`.`tag`
