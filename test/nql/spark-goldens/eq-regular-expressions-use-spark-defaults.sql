SELECT
  `ds_200`.`name`,
  REGEXP_EXTRACT(`ds_200`.`name`, '([A-Z])([a-z]+)') `first_letter`,
  REGEXP_EXTRACT(`ds_200`.`name`, '([A-Z])([a-z]+)', 2) `rest`,
  REGEXP_REPLACE(`ds_200`.`name`, '[a-z]', '*') `masked`,
  RLIKE(`ds_200`.`name`, 'd') `has_d`,
  SPLIT('a1b22c', '[0-9]+') `parts`
FROM
  narrative.datasets.ds_200 `ds_200`
