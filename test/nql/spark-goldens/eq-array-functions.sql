SELECT
  `ds_100`.`id`,
  SIZE(`ds_100`.`tags`) `n`,
  ELEMENT_AT(`ds_100`.`tags`, 1) `first`,
  ELEMENT_AT(`ds_100`.`tags`, -1) `last`,
  ARRAY_CONTAINS(`ds_100`.`tags`, 'a') `has_a`,
  ARRAY_JOIN(`ds_100`.`tags`, '|') `joined`
FROM
  narrative.datasets.ds_100 `ds_100`
