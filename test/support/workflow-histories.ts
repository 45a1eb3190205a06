/**
 * Workflow histories as Temporal's server holds them, read through its API
 * (WorkflowService listWorkflowExecutions and getWorkflowExecutionHistory),
 * decoding nothing: each history's events are the protobuf bytes the server
 * sent, to be searched as they are.
 */
import type { Client } from '@temporalio/client';
import type { Payload } from '@temporalio/common';
import proto, { type temporal } from '@temporalio/proto';

// CommonJS: Node's ESM sees its default export only.
const { History } = proto.temporal.api.history.v1;
const { EventType } = proto.temporal.api.enums.v1;

export interface StoredHistory {
  readonly workflowId: string;
  readonly runId: string;
  /** The history's events, encoded as the server sent them. */
  readonly bytes: Buffer;
  readonly events: temporal.api.history.v1.IHistoryEvent[];
}

/** Every execution of the namespace that matches `query` (all of them when it is empty), with its whole history. */
export async function readHistories(client: Client, namespace: string, query: string): Promise<StoredHistory[]> {
  const service = client.workflowService;
  const executions: Array<{ workflowId: string; runId: string }> = [];
  let pageToken: Uint8Array | undefined;
  do {
    const page = await service.listWorkflowExecutions({ namespace, query, pageSize: 200, nextPageToken: pageToken });
    for (const info of page.executions ?? []) {
      const { workflowId, runId } = info.execution ?? {};
      if (workflowId && runId) executions.push({ workflowId, runId });
    }
    pageToken = page.nextPageToken?.length ? page.nextPageToken : undefined;
  } while (pageToken !== undefined);

  const histories: StoredHistory[] = [];
  for (const execution of executions) {
    const events: temporal.api.history.v1.IHistoryEvent[] = [];
    let token: Uint8Array | undefined;
    do {
      const page = await service.getWorkflowExecutionHistory({ namespace, execution, nextPageToken: token });
      events.push(...(page.history?.events ?? []));
      token = page.nextPageToken?.length ? page.nextPageToken : undefined;
    } while (token !== undefined);
    const bytes = Buffer.from(History.encode({ events }).finish());
    histories.push({ ...execution, bytes, events });
  }
  return histories;
}

/** The texts of `needles` found anywhere in the history's bytes. */
export function foundIn(history: StoredHistory, needles: readonly string[]): string[] {
  return needles.filter((needle) => history.bytes.includes(Buffer.from(needle, 'utf8')));
}

/** Every payload in the history's events, wherever it sits (inputs, results, failures, heartbeats, markers). */
export function payloadsOf(history: StoredHistory): Payload[] {
  const found: Payload[] = [];
  const visit = (value: unknown): void => {
    if (value === null || typeof value !== 'object' || ArrayBuffer.isView(value)) return;
    if (Array.isArray(value)) {
      value.forEach(visit);
      return;
    }
    if ('metadata' in value && 'data' in value && typeof value.metadata === 'object' && value.metadata !== null && 'encoding' in value.metadata) {
      found.push(value as Payload);
      return;
    }
    Object.values(value).forEach(visit);
  };
  visit(history.events);
  return found;
}

export const encodingOf = (payload: Payload): string => Buffer.from(payload.metadata?.['encoding'] ?? new Uint8Array()).toString('utf8');

const CLOSING = new Set([
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED,
  EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW,
]);

/** Whether the history's last event closed the workflow. */
export const isClosed = (history: StoredHistory): boolean => {
  const last = history.events.at(-1)?.eventType;
  return last !== undefined && last !== null && CLOSING.has(last);
};
