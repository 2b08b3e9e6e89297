SELECT
  `ds_100`.`geo`['city'] `the city`,
  'it\'s' `q`,
  'a\\b' `backslash`
FROM
  narrative.datasets.ds_100 `ds_100`
WHERE
  `ds_100`.`geo`['city'] = 'Saint-Ouen l\'Aumône'
