import { writeFile } from 'node:fs/promises';
import { printSchema } from 'graphql';
import { buildGatewaySchema } from './build-schema.js';
import { createMemoryCoordination } from '../../platform/coordination/memory-coordination.js';

/** The SDL the code builds; CI compares it with the committed schema/schema.graphql. */
export async function renderSdl(): Promise<string> {
  return `${printSchema(await buildGatewaySchema(undefined, createMemoryCoordination().pubsub))}\n`;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const target = new URL('../../schema/schema.graphql', import.meta.url);
  await writeFile(target, await renderSdl());
  process.stdout.write(`wrote ${target.pathname}\n`);
}
