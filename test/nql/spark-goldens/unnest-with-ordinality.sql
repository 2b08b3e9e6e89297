SELECT
  `e`.`id`,
  `u`.`tag`,
  (`u`.`n` + 1) `n`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL posexplode(`e`.`tags`) `u`(`n`, `tag`)
ORDER BY
  `e`.`id` NULLS LAST,
  (`u`.`n` + 1) NULLS LAST
