/** Collects messages and lets a test await the n-th one instead of sleeping. */
export interface MessageCollector<T> {
  readonly messages: T[];
  push(message: T): void;
  waitFor(count: number, timeoutMs?: number): Promise<void>;
}

export function messageCollector<T>(defaultTimeoutMs = 3_000): MessageCollector<T> {
  const messages: T[] = [];
  const waiters: Array<{ count: number; resolve: () => void }> = [];
  return {
    messages,
    push(message) {
      messages.push(message);
      for (const waiter of [...waiters]) {
        if (messages.length >= waiter.count) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve();
        }
      }
    },
    waitFor(count, timeoutMs = defaultTimeoutMs) {
      if (messages.length >= count) return Promise.resolve();
      return new Promise<void>((resolve, reject) => {
        const timer = setTimeout(
          () => reject(new Error(`timed out waiting for ${count} messages, got ${JSON.stringify(messages)}`)),
          timeoutMs,
        );
        waiters.push({
          count,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      });
    },
  };
}
