SELECT (SELECT count(*) FROM ds_100) * (SELECT count(*) FROM ds_200) * (SELECT count(*) FROM ds_6402)
