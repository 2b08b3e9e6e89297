SELECT
  `u`.`ident`['type'] `id_type`,
  COUNT(DISTINCT `e`.`user_id`) `users`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN LATERAL explode(`e`.`identifiers`) `u`(`ident`)
GROUP BY
  `u`.`ident`['type']
