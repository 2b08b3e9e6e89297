SELECT e.id, e.user_id, round(t.s, 2)
FROM ds_100 e LEFT JOIN (SELECT user_id, sum(amount) AS s FROM ds_100 GROUP BY user_id) t
  ON e.user_id IS NOT DISTINCT FROM t.user_id
