SELECT
  COUNT(1) `n`
FROM
  narrative.datasets.ds_100 `e`
  CROSS JOIN narrative.datasets.ds_200 `u`
  CROSS JOIN narrative.datasets.ds_6402 `s`
