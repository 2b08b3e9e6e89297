SELECT a.id, round((SELECT count(*) FROM ds_100 b WHERE b.amount < a.amount) / ((SELECT count(*) FROM ds_100 WHERE amount IS NOT NULL) - 1.0), 3)
FROM ds_100 a WHERE a.amount IS NOT NULL
