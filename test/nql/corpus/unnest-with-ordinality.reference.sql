-- ordered
SELECT id, tags[i], i FROM ds_100, LATERAL (SELECT unnest(generate_series(1, len(tags))) AS i) ORDER BY id, i
