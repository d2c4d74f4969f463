/** A wait to call before each operation so that at most `ratePerSecond` run per second. */
export function pacer(ratePerSecond: number | undefined): () => Promise<void> {
  if (!ratePerSecond || ratePerSecond <= 0) return async () => {};
  const interval = 1000 / ratePerSecond;
  let next = Date.now();
  return async () => {
    const wait = next - Date.now();
    next = Math.max(next, Date.now()) + interval;
    if (wait > 0) await new Promise((r) => setTimeout(r, wait));
  };
}
