SELECT
  `ds_100`.`id`,
  CASE WHEN ROW_NUMBER() OVER (PARTITION BY `ds_100`.`user_id` ORDER BY `ds_100`.`id` NULLS LAST) = 1 THEN 'first' ELSE 'later' END `visit`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`user_id` IS NOT NULL
ORDER BY
  ROUND(SUM(`ds_100`.`amount`) OVER (PARTITION BY `ds_100`.`user_id`), 2) DESC NULLS LAST,
  `ds_100`.`id` NULLS LAST
