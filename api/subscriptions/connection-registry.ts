/** What the registry needs of a socket: a way to end it with a code the client can act on. */
export interface ClosableSocket {
  close(code: number, reason: string): void;
}

/** A revoked key's sockets end with this: graphql-ws clients treat 4401 as final and do not reconnect. */
export const KEY_REVOKED_CLOSE = { code: 4401, reason: 'api key revoked' } as const;
/** Past the per-key cap; 4429 is final for graphql-ws clients too, so they do not hammer the cap. */
export const TOO_MANY_CONNECTIONS_CLOSE = { code: 4429, reason: 'too many connections for this key' } as const;

export interface ConnectionRegistry {
  /**
   * Watches `secretHash` for revocation before the key is even checked, so a revocation that
   * races the authentication still ends the socket.
   */
  watch(socket: ClosableSocket, secretHash: string): void;
  /** Takes one of the key's connection slots; false when the key holds `maxPerKey` already. */
  admit(socket: ClosableSocket, keyId: string): boolean;
  /** The socket closed: its slot and its watch go. */
  release(socket: ClosableSocket): void;
  /** Closes every open socket authenticated with the revoked key (by its secret hash). */
  revoked(secretHash: string): void;
  /** Open sockets holding a slot of `keyId` on this instance. */
  countOf(keyId: string): number;
}

/**
 * Open sockets by key, on this gateway instance. The connection cap is per instance: with N
 * gateways a key holds at most N × maxPerKey sockets (the coordination store has no shared
 * counter with expiry, and a crashed instance must not leave slots taken for ever).
 */
export function createConnectionRegistry(opts: { maxPerKey: number }): ConnectionRegistry {
  const slots = new Map<string, Set<ClosableSocket>>();
  const watched = new Map<string, Set<ClosableSocket>>();
  const slotOf = new Map<ClosableSocket, string>();
  const hashOf = new Map<ClosableSocket, string>();
  // Revocations seen while their socket was still authenticating: admit refuses those.
  const revokedSockets = new WeakSet<ClosableSocket>();

  const remove = (index: Map<string, Set<ClosableSocket>>, key: string, socket: ClosableSocket) => {
    const set = index.get(key);
    set?.delete(socket);
    if (set?.size === 0) index.delete(key);
  };

  return {
    watch(socket, secretHash) {
      hashOf.set(socket, secretHash);
      const set = watched.get(secretHash) ?? new Set();
      set.add(socket);
      watched.set(secretHash, set);
    },
    admit(socket, keyId) {
      if (revokedSockets.has(socket)) return false;
      const set = slots.get(keyId) ?? new Set();
      if (set.size >= opts.maxPerKey) return false;
      set.add(socket);
      slots.set(keyId, set);
      slotOf.set(socket, keyId);
      return true;
    },
    release(socket) {
      const keyId = slotOf.get(socket);
      if (keyId !== undefined) remove(slots, keyId, socket);
      slotOf.delete(socket);
      const hash = hashOf.get(socket);
      if (hash !== undefined) remove(watched, hash, socket);
      hashOf.delete(socket);
    },
    revoked(secretHash) {
      for (const socket of watched.get(secretHash) ?? []) {
        revokedSockets.add(socket);
        socket.close(KEY_REVOKED_CLOSE.code, KEY_REVOKED_CLOSE.reason);
      }
    },
    countOf: (keyId) => slots.get(keyId)?.size ?? 0,
  };
}
