-- ordered
SELECT a.id, CASE WHEN a.id = (SELECT min(id) FROM ds_100 b WHERE b.user_id = a.user_id) THEN 'first' ELSE 'later' END
FROM ds_100 a WHERE a.user_id IS NOT NULL
ORDER BY (SELECT sum(amount) FROM ds_100 b WHERE b.user_id = a.user_id) DESC NULLS LAST, a.id
