SELECT
  `t`.`n`,
  `t`.`user_id`
FROM
  (SELECT
      `ds_100`.`user_id`,
      COUNT(1) `n`
    FROM
      narrative.datasets.ds_100 `ds_100`
    GROUP BY
      `ds_100`.`user_id`) `t`
WHERE
  `t`.`n` > 1
