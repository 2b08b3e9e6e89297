SELECT
  `e`.`id`,
  `t`.`tag`,
  `i`.`ident`['value'] `v`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL explode(`e`.`tags`) `t`(`tag`)
  CROSS JOIN LATERAL explode(`e`.`identifiers`) `i`(`ident`)
WHERE
  `e`.`id` <= 2
