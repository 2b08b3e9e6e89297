SELECT
  `e`.`id`,
  (`x`.`ordinality` + 1) `pos`,
  `x`.`x` `tag`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL posexplode(`e`.`tags`) `x`(`ordinality`, `x`)
WHERE
  (`x`.`ordinality` + 1) > 1
