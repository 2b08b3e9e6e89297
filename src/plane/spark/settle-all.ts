/**
 * Every result, or the first failure in argument order once all have settled. For work that shares a Spark session:
 * the caller releases the session when this answers, so no statement of the failed branch's siblings may still be
 * running on it (Promise.all would answer at the first failure).
 */
export async function settleAll<T extends readonly unknown[]>(promises: { [K in keyof T]: Promise<T[K]> }): Promise<T> {
  const settled = await Promise.allSettled(promises as readonly Promise<unknown>[]);
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) throw failed.reason;
  return settled.map((r) => (r as PromiseFulfilledResult<unknown>).value) as unknown as T;
}
