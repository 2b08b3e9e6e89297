SELECT
  COUNT(DISTINCT `ds_100`.`user_id`) `users`,
  COUNT(`ds_100`.`amount`) `with_amount`,
  SUM(`ds_100`.`id`) `id_sum`,
  MIN(`ds_100`.`event_date`) `first_day`,
  MAX(`ds_100`.`amount`) `top`,
  APPROX_COUNT_DISTINCT(`ds_100`.`event_type`) `types`,
  COUNT_IF(`ds_100`.`amount` > 1) `big`,
  BOOL_OR(`ds_100`.`is_test`) `any_test`,
  BOOL_AND(`ds_100`.`amount` >= 0) `all_positive`,
  MAX_BY(`ds_100`.`id`, `ds_100`.`amount`) `top_id`,
  SIZE(COLLECT_LIST(`ds_100`.`user_id`)) `listed`,
  SIZE(COLLECT_SET(`ds_100`.`user_id`)) `distinct_listed`,
  ROUND(STDDEV_POP(`ds_100`.`id`), 6) `sd`,
  COUNT(1) FILTER (WHERE `ds_100`.`event_type` = 'view') `views`
FROM
  narrative.datasets.ds_100 `ds_100`
