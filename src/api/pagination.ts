/** `page`/`per_page` (1-indexed) as the SDK sends them, or `offset` (page_number * per_page) as the docs describe. */
export function pageOf(q: { page?: number | undefined; per_page?: number | undefined; offset?: number | undefined }) {
  const limit = q.per_page ?? 50;
  if (q.offset !== undefined) return { limit, offset: q.offset, page: Math.floor(q.offset / limit) + 1 };
  const page = q.page ?? 1;
  return { limit, offset: (page - 1) * limit, page };
}

/** The paginated response shape of Narrative's list endpoints (`ApiRecordsV2`). */
export function pageOfRecords<T>(page: number, limit: number, total: number, records: T[]) {
  return { current_page: page, total_records: total, total_pages: Math.ceil(total / limit), records };
}
