SELECT 'Ada', e.id, p.country FROM ds_100 e JOIN ds_200 p ON e.user_id = p.user_id WHERE e.id <= 3
