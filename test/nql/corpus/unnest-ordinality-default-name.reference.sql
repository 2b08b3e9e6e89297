SELECT id, i, tags[i] FROM ds_100, LATERAL (SELECT unnest(generate_series(1, len(tags))) AS i) WHERE i > 1
