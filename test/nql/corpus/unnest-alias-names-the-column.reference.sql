SELECT t, count(*) FROM (SELECT unnest(tags) AS t FROM ds_100) GROUP BY t
