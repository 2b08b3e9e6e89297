SELECT 'a', s.name FROM ds_100 e JOIN ds_200 s ON s.user_id = e.user_id WHERE list_contains(e.tags, 'a')
