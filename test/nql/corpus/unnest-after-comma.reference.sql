SELECT id, unnest(tags) FROM ds_100
