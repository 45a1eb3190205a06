import type { ServerResponse } from 'node:http';
import { sendJson } from './respond.js';

export type ReadinessCheck = () => Promise<void>;

async function withTimeout(check: ReadinessCheck, ms: number): Promise<string> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve(`no answer within ${ms} ms`), ms);
  });
  try {
    return await Promise.race([check().then(() => 'ok'), timeout]);
  } catch (error) {
    return error instanceof Error ? error.message : String(error);
  } finally {
    clearTimeout(timer);
  }
}

/** Liveness: the process answers. Nothing external, so a slow database never gets the gateway restarted. */
export function sendHealth(res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** Readiness: every dependency answers now; 503 names the ones that don't. */
export async function sendReadiness(res: ServerResponse, checks: Record<string, ReadinessCheck>, timeoutMs = 2_000) {
  const entries = await Promise.all(
    Object.entries(checks).map(async ([name, check]) => [name, await withTimeout(check, timeoutMs)] as const),
  );
  const results = Object.fromEntries(entries);
  const ready = entries.every(([, result]) => result === 'ok');
  sendJson(res, ready ? 200 : 503, { status: ready ? 'ready' : 'unavailable', checks: results });
}
