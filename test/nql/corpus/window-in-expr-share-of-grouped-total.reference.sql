SELECT event_type, count(*), 100.0 * count(*) / (SELECT count(*) FROM ds_100) FROM ds_100 GROUP BY event_type
