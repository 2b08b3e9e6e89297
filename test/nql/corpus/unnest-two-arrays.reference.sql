SELECT id, tg, idn.value FROM (SELECT id, unnest(tags) AS tg, identifiers FROM ds_100 WHERE id <= 2), LATERAL (SELECT unnest(identifiers) AS idn)
