SELECT x.type, count(DISTINCT user_id) FROM (SELECT user_id, unnest(identifiers) AS x FROM ds_100) GROUP BY 1
