import type { PubSub } from '../../platform/coordination/coordination.js';

/**
 * Turns a pub/sub channel into the async iterator graphql-ws consumes. The
 * subscription starts before the first `next()` so nothing published after
 * the client subscribed is lost; ending the iterator unsubscribes.
 */
export function channelIterator(pubsub: PubSub, channel: string, bound = 1_000): AsyncIterableIterator<string> {
  const queue: string[] = [];
  const waiting: Array<(result: IteratorResult<string>) => void> = [];
  let done = false;
  const unsubscribe = pubsub.subscribe(channel, (message) => {
    const waiter = waiting.shift();
    if (waiter !== undefined) waiter({ value: message, done: false });
    // A consumer that stops reading loses the oldest messages, not the process its memory.
    else if (queue.push(message) > bound) queue.shift();
  });

  const finish = async (): Promise<IteratorResult<string>> => {
    if (!done) {
      done = true;
      for (const waiter of waiting.splice(0)) waiter({ value: undefined, done: true });
      await (await unsubscribe)();
    }
    return { value: undefined, done: true };
  };

  return {
    async next() {
      await unsubscribe;
      const queued = queue.shift();
      if (queued !== undefined) return { value: queued, done: false };
      if (done) return { value: undefined, done: true };
      return new Promise((resolve) => waiting.push(resolve));
    },
    return: finish,
    throw: async (error: unknown) => {
      await finish();
      throw error;
    },
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}
