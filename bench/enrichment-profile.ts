/**
 * Where an enrichment's time goes, read from its workflow's Temporal history
 * and the client's own clock: the gateway's start of the job, the workflow's
 * steps run in the worker (local activities, each recorded with the
 * workflow task that ran it: startJob, a stage's calls), each provider call
 * that went through the server's task queue (waiting on it, then running:
 * its gate's wait and the call itself; runs begun before stage steps), and the last step (merge, rescore, publish) until
 * the new score reached the client. Same machine, so the server's and the client's clocks agree.
 */
import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { enrichLeadWorkflowId } from '../workflows/enrichment/enrichment-dispatch.js';
import { percentile } from './latencies.js';

export interface EnrichmentTiming {
  readonly leadId: string;
  /** Wall-clock milliseconds (epoch) when the client sent enrichLead and when its leadScored message arrived. */
  readonly requestedAt: number;
  readonly scoredAt: number;
}

export interface PhaseFigure {
  readonly phase: string;
  readonly meanMs: number;
  readonly p95Ms: number;
}

interface Timestamp {
  readonly seconds?: { toNumber(): number } | number | null;
  readonly nanos?: number | null;
}

const epochMs = (t: Timestamp | null | undefined): number => {
  const seconds = t?.seconds;
  const s = typeof seconds === 'number' ? seconds : (seconds?.toNumber() ?? 0);
  return s * 1000 + (t?.nanos ?? 0) / 1e6;
};

const decoder = new TextDecoder();

/** The provider a callProviderShared activity asked (its input's providerId). */
function providerOf(input: { payloads?: Array<{ data?: Uint8Array | null }> | null } | null | undefined): string {
  const data = input?.payloads?.[0]?.data;
  if (data === undefined || data === null) return 'unknown';
  const parsed: unknown = JSON.parse(decoder.decode(data));
  return typeof parsed === 'object' && parsed !== null && 'providerId' in parsed && typeof parsed.providerId === 'string' ? parsed.providerId : 'unknown';
}

/** The SDK's marker of a local activity's result in the history. */
const LOCAL_ACTIVITY_MARKER = 'core_local_activity';

const markerData = z.object({
  activity_type: z.string(),
  complete_time: z.object({ seconds: z.union([z.number(), z.string()]), nanos: z.number().optional() }).nullable().optional(),
});

/**
 * The activity type a local activity marker names, and when it completed in
 * the worker (its `data` detail: the SDK's JSON). The marker's own event
 * time is of no use: a job's local activities run in one workflow task, and
 * all their markers are written when it completes.
 */
function localActivityOf(details: { payloads?: Array<{ data?: Uint8Array | null }> | null } | null | undefined): { type: string; completedAt: number | undefined } {
  const data = details?.payloads?.[0]?.data;
  const parsed = data === undefined || data === null ? undefined : markerData.safeParse(JSON.parse(decoder.decode(data)));
  if (parsed === undefined || !parsed.success) return { type: 'local activity', completedAt: undefined };
  const time = parsed.data.complete_time;
  return { type: parsed.data.activity_type, completedAt: time === null || time === undefined ? undefined : Number(time.seconds) * 1000 + (time.nanos ?? 0) / 1e6 };
}

/** The phases of each timed enrichment, averaged; phases in the order they happen. */
export async function profileEnrichments(client: Client, tenantId: string, timings: readonly EnrichmentTiming[]): Promise<PhaseFigure[]> {
  const samples = new Map<string, number[]>();
  const add = (phase: string, ms: number) => {
    const list = samples.get(phase) ?? [];
    list.push(ms);
    samples.set(phase, list);
  };
  for (const timing of timings) {
    const history = await client.workflow.getHandle(enrichLeadWorkflowId(tenantId, timing.leadId)).fetchHistory();
    const events = history.events ?? [];
    const started = events.find((e) => e.workflowExecutionStartedEventAttributes);
    if (started === undefined) continue;
    add('enrichLead → workflow started (gateway: job row, signal-with-start)', epochMs(started.eventTime) - timing.requestedAt);
    let last = epochMs(started.eventTime);
    let first = true;
    const scheduled = new Map<string, { provider: string; at: number }>();
    const running = new Map<string, number>();
    let stage = 0;
    for (const event of events) {
      const at = epochMs(event.eventTime);
      const id = event.eventId?.toString() ?? '';
      const marker = event.markerRecordedEventAttributes;
      if (marker?.markerName === LOCAL_ACTIVITY_MARKER) {
        // A local activity is recorded when the workflow task that ran it completes: the step and the task around it.
        const { type, completedAt } = localActivityOf(marker.details?.['data']);
        // finishJob publishes the score before it completes: the last phase below measures it.
        if (type === 'finishJob' || completedAt === undefined) continue;
        const step = type === 'callStage' ? `callStage ${(stage += 1)} (a stage's cache, reservations, calls, settlements)` : type;
        add(first ? `workflow start → ${step} done` : `→ ${step} done`, completedAt - last);
        first = false;
        last = completedAt;
      } else if (event.activityTaskScheduledEventAttributes) {
        const provider = providerOf(event.activityTaskScheduledEventAttributes.input);
        add(first ? 'workflow start → first call scheduled (startJob)' : `${provider}: before its call (workflow task; settle, cache, reserve)`, at - last);
        first = false;
        scheduled.set(id, { provider, at });
      } else if (event.activityTaskStartedEventAttributes) {
        const of = event.activityTaskStartedEventAttributes.scheduledEventId?.toString() ?? '';
        const s = scheduled.get(of);
        if (s !== undefined) {
          add(`${s.provider}: on the task queue`, at - s.at);
          running.set(of, at);
        }
      } else if (event.activityTaskCompletedEventAttributes || event.activityTaskFailedEventAttributes) {
        const attributes = event.activityTaskCompletedEventAttributes ?? event.activityTaskFailedEventAttributes;
        const of = attributes?.scheduledEventId?.toString() ?? '';
        const s = scheduled.get(of);
        const from = running.get(of);
        if (s !== undefined && from !== undefined) add(`${s.provider}: running (its gate, the call)`, at - from);
        last = at;
      }
    }
    // finishJob rescores and publishes before its workflow task completes: the message can precede the workflow's end.
    add('last step done → leadScored at the client (finishJob: merge, company, rescore, publish)', timing.scoredAt - last);
    add('total (client)', timing.scoredAt - timing.requestedAt);
  }
  return [...samples.entries()].map(([phase, list]) => {
    const sorted = [...list].sort((a, b) => a - b);
    return { phase, meanMs: list.reduce((sum, ms) => sum + ms, 0) / list.length, p95Ms: percentile(sorted, 0.95) };
  });
}
