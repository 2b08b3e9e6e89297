SELECT e.id, u.name FROM ds_100 e JOIN ds_200 u ON e.user_id = u.user_id WHERE u.country = 'US'
