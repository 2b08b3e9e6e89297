WITH
  `a` AS (
    WITH
      `b` AS (
        SELECT
          1 `x`
      )
    SELECT
      `b`.`x`
    FROM
      `b`
  )
SELECT
  `a`.`x`
FROM
  `a`
