SELECT e.user_id, (SELECT name FROM ds_200 u WHERE u.user_id = e.user_id), count(*) FROM ds_100 e GROUP BY 1
