WITH
  `t` AS (
    SELECT
      `e`.`user_id`,
      `u`.`tag`
    FROM
      narrative.datasets.ds_100 `e`
      CROSS JOIN LATERAL explode(`e`.`tags`) `u`(`tag`)
  )
SELECT
  `t`.`tag`,
  COUNT(DISTINCT `t`.`user_id`) `users`
FROM
  `t`
GROUP BY
  `t`.`tag`
