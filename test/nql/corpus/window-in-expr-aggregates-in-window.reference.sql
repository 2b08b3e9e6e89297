WITH t AS (SELECT user_id, sum(amount) AS total FROM ds_100 WHERE user_id IS NOT NULL GROUP BY user_id)
SELECT user_id, total, (SELECT count(*) FROM t b WHERE b.total > t.total) + 1, round(total / (SELECT sum(total) FROM t), 4) FROM t
