SELECT
  `ds_200`.`name`,
  MD5(`ds_200`.`name`) `m`,
  SHA2(`ds_200`.`name`, 256) `s`,
  SHA1(`ds_200`.`name`) `s1`
FROM
  narrative.datasets.ds_200 `ds_200`
