SELECT geo.city, count(*) FROM ds_100 GROUP BY geo
