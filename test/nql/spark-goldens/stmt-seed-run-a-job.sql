WITH
  `OrderedData` AS (
    SELECT
      `ds_6402`.`mobile_id_unique_identifier`['value'] `mobile_id`,
      `ds_6402`.`timestamp_object`['day'] `day`,
      `ds_6402`.`timestamp_object`['hour'] `hour`,
      `ds_6402`.`geographic_location`['latitude'] `latitude`,
      `ds_6402`.`geographic_location`['longitude'] `longitude`,
      `ds_6402`.`event_timestamp`,
      LAG(`ds_6402`.`event_timestamp`, 1) OVER (PARTITION BY `ds_6402`.`mobile_id_unique_identifier`['value'], `ds_6402`.`geographic_location`['latitude'], `ds_6402`.`geographic_location`['longitude'] ORDER BY `ds_6402`.`event_timestamp` NULLS LAST) `prev_timestamp`
    FROM
      narrative.datasets.ds_6402 `ds_6402`
    WHERE
      `ds_6402`.`mobile_id_unique_identifier`['value'] IS NOT NULL
  ),
  `ContinuousPresence` AS (
    SELECT
      `OrderedData`.`mobile_id`,
      `OrderedData`.`day`,
      `OrderedData`.`hour`,
      `OrderedData`.`latitude`,
      `OrderedData`.`longitude`,
      `OrderedData`.`event_timestamp`,
      `OrderedData`.`prev_timestamp`,
      CASE WHEN EXTRACT(MINUTE FROM `OrderedData`.`event_timestamp`) - EXTRACT(MINUTE FROM `OrderedData`.`prev_timestamp`) >= 40 AND EXTRACT(MINUTE FROM `OrderedData`.`event_timestamp`) - EXTRACT(MINUTE FROM `OrderedData`.`prev_timestamp`) <= 120 THEN 1 ELSE 0 END `is_continuous`
    FROM
      `OrderedData`
  )
SELECT
  `ContinuousPresence`.`mobile_id`,
  `ContinuousPresence`.`day`,
  `ContinuousPresence`.`hour`,
  `ContinuousPresence`.`latitude`,
  `ContinuousPresence`.`longitude`
FROM
  `ContinuousPresence`
WHERE
  `ContinuousPresence`.`is_continuous` = 1
GROUP BY
  `ContinuousPresence`.`mobile_id`,
  `ContinuousPresence`.`day`,
  `ContinuousPresence`.`hour`,
  `ContinuousPresence`.`latitude`,
  `ContinuousPresence`.`longitude`
