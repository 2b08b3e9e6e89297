SELECT
  `d`.`id`
FROM
  narrative.datasets.ds_100_delta `d`
