SELECT t, count(DISTINCT user_id) FROM (SELECT user_id, unnest(tags) AS t FROM ds_100) GROUP BY t
