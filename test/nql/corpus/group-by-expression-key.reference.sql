SELECT lower(event_type), upper(lower(event_type)), count(*) FROM ds_100 GROUP BY 1, 2
