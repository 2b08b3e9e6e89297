WITH
  `p` AS (
    SELECT
      `ds_100`.`user_id`,
      `ds_100`.`amount`
    FROM
      narrative.datasets.ds_100 `ds_100`
    WHERE
      `ds_100`.`event_type` = 'purchase'
  )
SELECT
  `p`.`user_id`,
  SUM(`p`.`amount`) `total`
FROM
  `p`
GROUP BY
  `p`.`user_id`
