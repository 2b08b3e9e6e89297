SELECT
  `ds_100`.`id`,
  EXTRACT(HOUR FROM `ds_100`.`event_timestamp`) `h`,
  EXTRACT(MINUTE FROM `ds_100`.`event_timestamp`) `m`,
  EXTRACT(YEAR FROM `ds_100`.`event_date`) `y`,
  EXTRACT(DOW FROM `ds_100`.`event_date`) `dow`,
  EXTRACT(DOY FROM `ds_100`.`event_date`) `doy`
FROM
  narrative.datasets.ds_100 `ds_100`
