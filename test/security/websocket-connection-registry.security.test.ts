import { describe, expect, it } from 'vitest';
import { createConnectionRegistry, type ClosableSocket } from '../../api/subscriptions/connection-registry.js';

const socket = () => {
  const closes: Array<{ code: number; reason: string }> = [];
  const value: ClosableSocket & { closes: typeof closes } = { closes, close: (code, reason) => void closes.push({ code, reason }) };
  return value;
};

describe('connection registry: the per-key cap and revocation, as one instance sees them', () => {
  it('holds the cap per key, frees a slot when a socket closes, and never mixes keys', () => {
    const registry = createConnectionRegistry({ maxPerKey: 2 });
    const [a1, a2, a3, b1] = [socket(), socket(), socket(), socket()];
    expect(registry.admit(a1, 'key-a')).toBe(true);
    expect(registry.admit(a2, 'key-a')).toBe(true);
    expect(registry.admit(a3, 'key-a')).toBe(false);
    expect(registry.admit(b1, 'key-b')).toBe(true);
    registry.release(a1);
    // Released twice (graphql-ws reports every close once, but a refused socket closes too): harmless.
    registry.release(a1);
    expect(registry.countOf('key-a')).toBe(1);
    expect(registry.admit(a3, 'key-a')).toBe(true);
    expect(registry.countOf('key-b')).toBe(1);
  });

  it("closes every socket of a revoked key with 4401 and nobody else's", () => {
    const registry = createConnectionRegistry({ maxPerKey: 5 });
    const [a1, a2, b1] = [socket(), socket(), socket()];
    registry.watch(a1, 'hash-a');
    registry.watch(a2, 'hash-a');
    registry.watch(b1, 'hash-b');
    registry.revoked('hash-a');
    expect(a1.closes).toEqual([{ code: 4401, reason: 'api key revoked' }]);
    expect(a2.closes).toEqual([{ code: 4401, reason: 'api key revoked' }]);
    expect(b1.closes).toEqual([]);
  });

  it('refuses a socket whose key was revoked while it was still authenticating', () => {
    const registry = createConnectionRegistry({ maxPerKey: 5 });
    const late = socket();
    registry.watch(late, 'hash-a');
    registry.revoked('hash-a');
    expect(registry.admit(late, 'key-a')).toBe(false);
    expect(registry.countOf('key-a')).toBe(0);
  });

  it('forgets a closed socket: a later revocation does not touch it', () => {
    const registry = createConnectionRegistry({ maxPerKey: 5 });
    const gone = socket();
    registry.watch(gone, 'hash-a');
    registry.release(gone);
    registry.revoked('hash-a');
    expect(gone.closes).toEqual([]);
  });
});
