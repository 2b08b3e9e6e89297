SELECT
  `u`.`profile`['address']['city'] `city`,
  `u`.`profile`['address']['zip'] `zip`
FROM
  narrative.datasets.ds_200 `u`
