SELECT
  `ds_200`.`name`,
  LOWER(`ds_200`.`name`) `lo`,
  UPPER(`ds_200`.`name`) `up`,
  LENGTH(`ds_200`.`name`) `len`,
  SUBSTRING(`ds_200`.`name`, 2) `tail`,
  SUBSTRING(`ds_200`.`name`, 1, 1) `head`,
  CONCAT(`ds_200`.`name`, '-', `ds_200`.`country`) `tagged`,
  CONCAT_WS('-', `ds_200`.`name`, `ds_200`.`country`) `joined`,
  TRIM('  x ') `t`,
  REPLACE(`ds_200`.`name`, 'd', 'D') `rep`,
  LPAD(`ds_200`.`name`, 4, '*') `padded`,
  INSTR(`ds_200`.`name`, 'd') `pos`,
  REVERSE(`ds_200`.`name`) `rev`
FROM
  narrative.datasets.ds_200 `ds_200`
