SELECT count(*), sum(amount) FROM ds_100
