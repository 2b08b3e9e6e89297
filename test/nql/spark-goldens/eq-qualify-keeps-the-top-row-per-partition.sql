SELECT
  `__nql_q0`.`user_id`,
  `__nql_q0`.`id`
FROM
  (SELECT
      `ds_100`.`user_id` `user_id`,
      `ds_100`.`id` `id`,
      ROW_NUMBER() OVER (PARTITION BY `ds_100`.`user_id` ORDER BY `ds_100`.`amount` DESC NULLS LAST, `ds_100`.`id` NULLS LAST) = 1 `__nql_qualify`
    FROM
      narrative.datasets.ds_100 `ds_100`) `__nql_q0`
WHERE
  `__nql_q0`.`__nql_qualify`
