SELECT
  `ds_100`.`id`,
  `ds_100`.`amount` - (SELECT
      AVG(`ds_100`.`amount`) `_c0`
    FROM
      narrative.datasets.ds_100 `ds_100`) `delta`
FROM
  narrative.datasets.ds_100 `ds_100`
