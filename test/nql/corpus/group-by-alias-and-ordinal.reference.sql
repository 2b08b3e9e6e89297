SELECT geo.city, event_type, count(*) FROM ds_100 GROUP BY 1, 2
