import type { ApolloServerPlugin } from '@apollo/server';
import { Kind, type GraphQLFormattedError } from 'graphql';
import type { Logger } from '../../platform/logging/logger.js';
import type { AuditLog, AuditRecord } from '../../tenants/audit/audit-log.js';
import type { GatewayMetrics } from '../http/gateway-metrics.js';
import type { GatewayContext } from './gateway-context.js';

const codeOf = (error: GraphQLFormattedError | undefined) => String(error?.extensions?.['code'] ?? 'INTERNAL');

/**
 * Counts every operation, and writes one audit row per mutation field run by
 * an authenticated caller: who, which mutation, when, and how it ended.
 */
export function observabilityPlugin(deps: {
  audit: AuditLog;
  metrics: GatewayMetrics;
  log: Logger;
}): ApolloServerPlugin<GatewayContext> {
  return {
    async requestDidStart() {
      // A mutation refused before execution (GET, query limits, validation) never ran: nothing to audit.
      let executed = false;
      return {
        async executionDidStart() {
          executed = true;
        },
        async willSendResponse({ contextValue, operation, response }) {
          const errors = response.body.kind === 'single' ? response.body.singleResult.errors : undefined;
          deps.metrics.graphqlOperations.inc({
            type: operation?.operation ?? 'invalid',
            outcome: errors === undefined || errors.length === 0 ? 'ok' : codeOf(errors[0]),
          });

          // Without a principal the request never got past authentication: there is no actor to record.
          const principal = (contextValue as GatewayContext | undefined)?.principal;
          if (operation?.operation !== 'mutation' || principal === undefined || !executed) return;
          // An error without a path (e.g. a variable that failed coercion) ended the whole operation.
          const operationError = errors?.find((error) => error.path === undefined || error.path.length === 0);
          const records: AuditRecord[] = operation.selectionSet.selections.flatMap((selection) => {
            if (selection.kind !== Kind.FIELD) return [];
            const responseKey = selection.alias?.value ?? selection.name.value;
            const failed = errors?.find((error) => error.path?.[0] === responseKey) ?? operationError;
            return [
              {
                tenantId: principal.kind === 'tenant' ? principal.tenant.tenantId : null,
                actor: principal.kind === 'tenant' ? 'key' : 'admin',
                keyId: principal.kind === 'tenant' ? principal.tenant.keyId : null,
                operation: selection.name.value,
                outcome: failed === undefined ? 'ok' : codeOf(failed),
              },
            ];
          });
          try {
            await deps.audit.record(records);
          } catch (error) {
            deps.log.error('audit log write failed', { error, operations: records.map((r) => r.operation) });
          }
        },
      };
    },
  };
}
