SELECT
  `e`.`user_id`,
  (SELECT
      MAX(`u`.`name`) `_c0`
    FROM
      narrative.datasets.ds_200 `u`
    WHERE
      `u`.`user_id` = `e`.`user_id`) `name`,
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `e`
GROUP BY
  `e`.`user_id`
