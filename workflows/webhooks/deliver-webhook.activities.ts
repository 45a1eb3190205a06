/**
 * The delivery workflow's side effects. Safe to run again: a delivery that is
 * no longer PENDING is not sent nor counted again. Delivery is at least once:
 * a worker dying between the receiver's 2xx and the update sends it again,
 * under the same `webhook-id`, which is what receivers dedupe by.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { retryAfterMs } from '../../platform/network/retry-after.js';
import type { Logger } from '../../platform/logging/logger.js';
import type { GuardedHttpClient, OutboundResponse } from '../../platform/outbound/guarded-http-client.js';
import type { SecretBox } from '../../tenants/secrets/secret-box.js';
import type { TenantDatabases, TenantDb } from '../../tenants/tenant-db.js';
import { webhookSecretAad } from '../../modules/webhooks/webhook-registry.js';
import { signWebhook } from '../../modules/webhooks/webhook-signature.js';
import { deliveryStatus, deliveryWithWebhook, failDelivery as recordFailedDelivery, failUnsent, markDelivered, recordAttempt } from '../../modules/webhooks/webhooks.repository.js';
import { workflowTenantDb } from '../workflow-tenant.js';

/** Deliveries failing in a row, each after all its attempts, that disable a webhook. */
export const FAILURES_BEFORE_DISABLING = 5;
const REQUEST_TIMEOUT_MS = 10_000;
const ANSWER_EXCERPT_BYTES = 300;
const ERROR_LIMIT = 1000;

export interface DeliverWebhookDeps {
  readonly tenantDbs: TenantDatabases;
  readonly secrets: SecretBox;
  /**
   * Sends every attempt: https to public addresses only, checked where it
   * connects, in every mode; local receivers only where the deployment allows local targets.
   */
  readonly client: GuardedHttpClient;
  readonly log: Logger;
  readonly now?: () => Date;
}

export interface DeliveryRef {
  readonly tenantId: string;
  readonly schema: string;
  readonly deliveryId: string;
}

/** `not-sent`: the delivery or its webhook is gone, disabled, or the delivery was already settled. */
export type DeliveryOutcome = 'delivered' | 'not-sent' | 'failed' | 'failed-and-disabled';


/** The start of the receiver's answer, for the delivery's last_error; the rest is not read. */
async function excerpt(response: OutboundResponse): Promise<string> {
  let bytes: Uint8Array;
  try {
    ({ bytes } = await response.read(ANSWER_EXCERPT_BYTES));
  } catch {
    return ''; // an answer cut short still has a status worth recording
  }
  return Buffer.from(bytes).toString('utf8').replace(/\uFFFD+$/, '').trim();
}

const causeOf = (error: unknown): string => {
  const cause = error instanceof Error ? error.cause : undefined;
  if (cause instanceof Error) return cause.message;
  return error instanceof Error ? error.message : String(error);
};

export function createDeliverWebhookActivities(deps: DeliverWebhookDeps) {
  const now = deps.now ?? (() => new Date());
  const attempted = (db: TenantDb, ref: DeliveryRef, status: number | null, error: string): Promise<void> =>
    recordAttempt(db, ref.deliveryId, status, error.slice(0, ERROR_LIMIT));

  /** Recorded, and ends the attempts at once: trying again would not change the answer. */
  async function refuse(db: TenantDb, ref: DeliveryRef, error: string, type: string): Promise<never> {
    await attempted(db, ref, null, error);
    throw ApplicationFailure.nonRetryable(error, type);
  }

  return {
    /**
     * One attempt: POSTs the stored payload, signed, and records what came
     * back. Anything but a 2xx throws for the workflow's retry policy, after
     * the receiver's Retry-After (429, 503) when it gave one.
     */
    async attemptDelivery(ref: DeliveryRef & { maxRetryDelayMs: number }): Promise<DeliveryOutcome> {
      const db = await workflowTenantDb(deps.tenantDbs, ref);
      const row = await deliveryWithWebhook(db, ref.deliveryId);
      if (row === undefined) return 'not-sent'; // the webhook was removed with its deliveries
      if (row.status === 'DELIVERED') return 'delivered';
      if (row.status === 'FAILED') return 'not-sent';
      if (row.disabled_at !== null) {
        await failUnsent(db, ref.deliveryId, 'not sent: the webhook is disabled');
        return 'not-sent';
      }
      const url = new URL(row.url);
      const secret = deps.secrets.open(row.sealed_secret, webhookSecretAad(ref.tenantId, row.webhook_id));
      if (secret === undefined) return refuse(db, ref, 'not sent: the signing secret does not open under this deployment', 'WebhookSecretUnreadable');

      // jsonb gives the same text on every read, so every attempt sends, and signs, the same bytes.
      const body = JSON.stringify(row.payload);
      const signed = signWebhook({ id: ref.deliveryId, timestamp: now().getTime() / 1000, body, secret });
      const context = Context.current();
      const timeout = AbortSignal.timeout(REQUEST_TIMEOUT_MS);
      let result: Awaited<ReturnType<GuardedHttpClient['request']>>;
      try {
        // Redirects are not followed: the signed event goes to the URL the tenant registered, nowhere else.
        result = await deps.client.request(url, {
          method: 'POST',
          headers: { ...signed, 'content-type': 'application/json', 'user-agent': 'LeadGraph-Webhooks/1' },
          body,
          redirect: 'manual',
          signal: AbortSignal.any([context.cancellationSignal, timeout]),
        });
      } catch (error) {
        context.cancellationSignal.throwIfAborted();
        const reason = timeout.aborted ? `no answer within ${REQUEST_TIMEOUT_MS} ms` : `could not reach the endpoint: ${causeOf(error)}`;
        await attempted(db, ref, null, reason);
        throw ApplicationFailure.retryable(reason, 'WebhookUnreachable');
      }
      // Refused before a byte was sent: by its scheme or literal address, or where the connection resolved the name.
      if (!result.ok) return refuse(db, ref, `not sent: the URL is refused (${result.message})`, 'WebhookUrlRefused');
      const response = result.response;

      if (response.status >= 200 && response.status < 300) {
        await response.discard();
        await markDelivered(db, ref.deliveryId, row.webhook_id, response.status);
        return 'delivered';
      }

      const answer = await excerpt(response);
      const redirect = response.status >= 300 && response.status < 400 ? ' (redirects are not followed)' : '';
      const status = `answered ${response.status}${redirect}`;
      await attempted(db, ref, response.status, `${status}${answer === '' ? '' : `: ${answer}`}`);
      const wait = response.status === 429 || response.status === 503 ? retryAfterMs(response.headers.get('retry-after'), now().getTime()) : undefined;
      // The receiver's answer stays in the delivery's last_error: it may echo the payload, and this message goes into the history.
      throw ApplicationFailure.create({
        message: status,
        type: 'WebhookRejected',
        ...(wait === undefined ? {} : { nextRetryDelay: Math.min(Math.max(wait, 100), ref.maxRetryDelayMs) }),
      });
    },

    /**
     * After the last attempt: the delivery is FAILED, and the webhook's count
     * of deliveries failed in a row goes up; at FAILURES_BEFORE_DISABLING the
     * webhook is disabled, the reason on it (shown by the API) and in the log.
     */
    async failDelivery(ref: DeliveryRef & { error: string }): Promise<DeliveryOutcome> {
      const db = await workflowTenantDb(deps.tenantDbs, ref);
      const failed = await recordFailedDelivery(db, {
        id: ref.deliveryId,
        error: ref.error.slice(0, ERROR_LIMIT),
        failuresBeforeDisabling: FAILURES_BEFORE_DISABLING,
        reasonOf: (lastError) => `disabled after ${FAILURES_BEFORE_DISABLING} deliveries failed in a row; last error: ${lastError}`,
        reasonLimit: ERROR_LIMIT,
      });
      if (failed === undefined) {
        // Settled before: by an earlier run of this activity whose result was lost, or the webhook went with its deliveries.
        const status = await deliveryStatus(db, ref.deliveryId);
        return status === 'FAILED' ? 'failed' : status === 'DELIVERED' ? 'delivered' : 'not-sent';
      }
      if (failed.disabledNow === undefined) return 'failed';
      deps.log.warn('webhook disabled', { tenantId: ref.tenantId, webhookId: failed.webhookId, deliveryId: ref.deliveryId, reason: failed.disabledNow });
      return 'failed-and-disabled';
    },
  };
}

export type DeliverWebhookActivities = ReturnType<typeof createDeliverWebhookActivities>;
