import { Args, Ctx, Query, Resolver } from 'type-graphql';
import type { AuditLog } from '../../../tenants/audit/audit-log.js';
import { apiError } from '../errors.js';
import { requireTenant, type GatewayContext } from '../gateway-context.js';
import { AuditEntry, AuditLogArgs } from './audit.types.js';

@Resolver(() => AuditEntry)
export class AuditResolver {
  constructor(private readonly audit: AuditLog) {}

  @Query(() => [AuditEntry], { description: 'Newest first; pass the last id as `before` for the next page.' })
  async auditLog(
    @Ctx() ctx: GatewayContext,
    @Args(() => AuditLogArgs) { first, before }: AuditLogArgs,
  ): Promise<AuditEntry[]> {
    const tenant = requireTenant(ctx, 'audit:read');
    const cursor = before === null || before === undefined ? undefined : Number(before);
    if (cursor !== undefined && !Number.isSafeInteger(cursor)) {
      throw apiError('BAD_USER_INPUT', 'before must be an id from this list', { argumentPath: ['before'] });
    }
    const rows = await this.audit.list(tenant.tenantId, { first, before: cursor });
    return rows.map((row) => ({ ...row, id: String(row.id) }));
  }
}
