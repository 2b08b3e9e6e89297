SELECT
  `__nql_q0`.`u`,
  `__nql_q0`.`n`
FROM
  (SELECT
      `ds_100`.`user_id` `u`,
      COUNT(1) `n`,
      RANK() OVER (ORDER BY COUNT(1) DESC NULLS LAST) = 1 `__nql_qualify`
    FROM
      narrative.datasets.ds_100 `ds_100`
    GROUP BY
      `ds_100`.`user_id`
    HAVING
      COUNT(1) > 1) `__nql_q0`
WHERE
  `__nql_q0`.`__nql_qualify`
