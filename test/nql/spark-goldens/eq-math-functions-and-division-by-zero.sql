SELECT
  `ds_100`.`id`,
  ABS(0 - `ds_100`.`amount`) `a`,
  ROUND(`ds_100`.`amount`, 1) `r`,
  FLOOR(`ds_100`.`amount`) `f`,
  CEIL(`ds_100`.`amount`) `c`,
  MOD(`ds_100`.`id`, 3) `m`,
  POWER(`ds_100`.`id`, 2) `p`,
  SQRT(`ds_100`.`id` * `ds_100`.`id`) `s`,
  GREATEST(`ds_100`.`id`, 5) `g`,
  LEAST(`ds_100`.`id`, 5) `l`,
  `ds_100`.`amount` / 0 `z`,
  `ds_100`.`id` / 4 `q`,
  SIGN(`ds_100`.`amount` - 1) `sg`
FROM
  narrative.datasets.ds_100 `ds_100`
