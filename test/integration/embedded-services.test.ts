import { describe, it, expect } from 'vitest';
import { chmod, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { Client, Connection } from '@temporalio/client';
import { startEmbeddedPostgres } from '../../platform/embedded/embedded-postgres.js';
import { findTemporalCli, startTemporalDevServer } from '../../platform/embedded/temporal-dev-server.js';
import { findFreePort, isPortFree } from '../../platform/embedded/free-port.js';
import { acceptsConnections } from '../support/ports.js';

async function makeTempDir(prefix: string): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  // mkdtemp gives 0700; as root, PostgreSQL runs as the "postgres" user and must traverse it.
  await chmod(dir, 0o755);
  return dir;
}

const collectLog = (lines: string[]) => (line: string): void => {
  lines.push(line);
};

describe('embedded postgres', () => {
  it('keeps data across a stop and restart on the same data dir', async () => {
    const dir = await makeTempDir('leadgraph-pg-');
    const dataDir = join(dir, 'postgres');
    const port = await findFreePort();
    const lines: string[] = [];
    try {
      const first = await startEmbeddedPostgres({ dataDir, port, log: collectLog(lines) });
      expect(first.url).toBe(`postgres://postgres:postgres@127.0.0.1:${port}/leadgraph`);
      try {
        const client = new pg.Client({ connectionString: first.url });
        await client.connect();
        await client.query('CREATE TABLE leads (id int PRIMARY KEY, email text NOT NULL)');
        await client.query('INSERT INTO leads (id, email) VALUES ($1, $2)', [1, 'ada@example.com']);
        await client.end();
      } finally {
        await first.stop();
      }
      expect(await acceptsConnections(port)).toBe(false);

      const second = await startEmbeddedPostgres({ dataDir, port, log: collectLog(lines) });
      try {
        const client = new pg.Client({ connectionString: second.url });
        await client.connect();
        const result = await client.query<{ id: number; email: string }>('SELECT id, email FROM leads');
        await client.end();
        expect(result.rows).toEqual([{ id: 1, email: 'ada@example.com' }]);
      } finally {
        await second.stop();
      }
      // Only the first start may initialise the cluster.
      expect(lines.filter((l) => l.includes('initialising new cluster'))).toHaveLength(1);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('fails with an error naming the port when the port is taken', async () => {
    const dir = await makeTempDir('leadgraph-pg-busy-');
    const port = await findFreePort();
    const running = await startEmbeddedPostgres({ dataDir: join(dir, 'a'), port, log: () => {} });
    try {
      await expect(startEmbeddedPostgres({ dataDir: join(dir, 'b'), port, log: () => {} })).rejects.toThrow(
        new RegExp(`port ${port}\\b`),
      );
    } finally {
      await running.stop();
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('temporal dev server', () => {
  it('serves the namespace from a file database and releases the port on stop', async () => {
    const binary = findTemporalCli(process.env.TEMPORAL_CLI);
    expect(binary, 'Temporal CLI not found (TEMPORAL_CLI, PATH, ~/.cache/leadgraph)').toBeDefined();
    const dir = await makeTempDir('leadgraph-temporal-');
    const port = await findFreePort();
    const namespace = 'leadgraph-test';
    try {
      const server = await startTemporalDevServer({
        binary,
        dbFile: join(dir, 'temporal.db'),
        port,
        namespace,
        log: () => {},
      });
      expect(server.address).toBe(`127.0.0.1:${port}`);
      try {
        const connection = await Connection.connect({ address: server.address });
        try {
          const client = new Client({ connection, namespace });
          const described = await client.workflowService.describeNamespace({ namespace });
          expect(described.namespaceInfo?.name).toBe(namespace);
        } finally {
          await connection.close();
        }
      } finally {
        await server.stop();
      }
      expect(await acceptsConnections(port)).toBe(false);
      expect(await isPortFree(port)).toBe(true);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});
