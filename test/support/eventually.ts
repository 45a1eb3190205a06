/**
 * Reads until `ok` holds or `timeoutMs` passes, and returns the last read either
 * way, so the assertion that follows shows what was there. For state that a
 * test can only observe by reading (a row, a counter, a page's beacons), never
 * to wait out a clock: `ok` names the signal, and it returns as soon as it holds.
 */
export async function eventually<T>(read: () => Promise<T>, ok: (value: T) => boolean, timeoutMs = 30_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await read();
    if (ok(value) || Date.now() > deadline) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}
