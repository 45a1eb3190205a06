import { readFile } from 'node:fs/promises';
import { Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';

export interface TemporalEndpoint {
  readonly address: string;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly tls: boolean;
  readonly tlsCertPath?: string;
  readonly tlsKeyPath?: string;
  readonly apiKey?: string;
}

async function tlsOptions(endpoint: TemporalEndpoint) {
  if (!endpoint.tls && endpoint.tlsCertPath === undefined && endpoint.apiKey === undefined) return undefined;
  if (endpoint.tlsCertPath === undefined || endpoint.tlsKeyPath === undefined) return true;
  return {
    clientCertPair: { crt: await readFile(endpoint.tlsCertPath), key: await readFile(endpoint.tlsKeyPath) },
  };
}

/** The client connection, for starting workflows and for readiness; lazy so a gateway starts before Temporal does. */
export async function connectTemporalClient(endpoint: TemporalEndpoint): Promise<Connection> {
  return Connection.lazy({ address: endpoint.address, tls: await tlsOptions(endpoint), apiKey: endpoint.apiKey });
}

export async function connectTemporalWorker(endpoint: TemporalEndpoint): Promise<NativeConnection> {
  return NativeConnection.connect({ address: endpoint.address, tls: await tlsOptions(endpoint), apiKey: endpoint.apiKey });
}
