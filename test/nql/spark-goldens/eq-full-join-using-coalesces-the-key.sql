SELECT
  COALESCE(`e`.`user_id`, `u`.`user_id`) `user_id`
FROM
  narrative.datasets.ds_100 `e`
  FULL JOIN narrative.datasets.ds_200 `u` USING (`user_id`)
