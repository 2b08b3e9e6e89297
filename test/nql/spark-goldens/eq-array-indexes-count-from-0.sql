SELECT
  `ds_100`.`id`,
  `ds_100`.`tags`[0] `first_tag`,
  `ds_100`.`tags`[2] `third_tag`,
  `ds_100`.`identifiers`[0]['type'] `first_type`,
  `ds_100`.`identifiers`[1]['value'] `second_value`,
  `ds_100`.`tags`[`ds_100`.`id` - 9] `computed`,
  CAST(NULL AS STRING) `negative`
FROM
  narrative.datasets.ds_100 `ds_100`
