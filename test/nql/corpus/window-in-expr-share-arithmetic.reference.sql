SELECT e.user_id, 100.0 * (SELECT count(*) FROM ds_100 b WHERE b.user_id IS NOT DISTINCT FROM e.user_id) / (SELECT count(*) FROM ds_100)
FROM ds_100 e
