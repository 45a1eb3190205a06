import { ArgsType, Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';

@InputType('TrackingSettingsInput', { description: 'White-label collection settings; omitted fields keep their value.' })
export class TrackingSettingsInput {
  @Field(() => String, { nullable: true, description: 'Path of the script on the pixel hosts, e.g. /assets/app.js.' })
  scriptPath?: string | null;

  @Field(() => String, { nullable: true, description: 'Global name the script exposes (window.<name>.track, …).' })
  globalName?: string | null;

  @Field(() => String, { nullable: true, description: 'First-party cookie holding the anonymous id.' })
  cookieName?: string | null;

  @Field(() => Boolean, { nullable: true, description: 'No cookie and no event before the page calls consent(true).' })
  requireConsent?: boolean | null;

  @Field(() => String, { nullable: true, description: 'full, truncated or none: what is kept of visitor IP addresses.' })
  ipStorage?: string | null;

  @Field(() => Int, {
    nullable: true,
    description: 'Days raw events are kept, 1 to 3650 (default 396, about 13 months); older ones are deleted daily. Stored addresses follow ipStorage on the same run.',
  })
  eventRetentionDays?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Days sessions (visits: address, device, pages) are kept, from their start, 1 to 3650 (default 396, as events); a session's events go with it.",
  })
  sessionRetentionDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'Days webhook deliveries and their payloads are kept, 1 to 3650 (default 30).' })
  webhookDeliveryRetentionDays?: number | null;

  @Field(() => Int, {
    nullable: true,
    description: "Days vendors' answers are kept as received (bodies kept for inspection, long-term company answers), 1 to 3650 (default 90).",
  })
  vendorBodyRetentionDays?: number | null;

  @Field(() => Int, { nullable: true, description: 'Days consent changes (the proof of each decision) are kept, 1 to 3650 (default 1095, 3 years).' })
  consentRetentionDays?: number | null;

  @Field(() => Int, { nullable: true, description: "Days a person's export document is kept, 1 to 90 (default 7); it is then deleted." })
  exportRetentionDays?: number | null;
}

@ArgsType()
export class EmailPixelArgs {
  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  campaign?: string | null;
}

export enum PixelHostStatus {
  PENDING = 'PENDING',
  ACTIVE = 'ACTIVE',
}
registerEnumType(PixelHostStatus, {
  name: 'PixelHostStatus',
  description: 'PENDING: claimed, serves nothing until proven; ACTIVE: serves the script and pixels.',
});

export enum PixelHostOrigin {
  TENANT = 'TENANT',
  OPERATOR = 'OPERATOR',
  LEGACY = 'LEGACY',
}
registerEnumType(PixelHostOrigin, {
  name: 'PixelHostOrigin',
  description: 'Who vouched for the host: your DNS proof (re-checked), the operator, or registration before proofs existed.',
});

@ObjectType('DnsRecord', { description: 'A DNS record to publish at your DNS provider.' })
export class DnsRecord {
  @Field(() => String, { description: 'TXT or CNAME.' })
  type!: string;

  @Field(() => String)
  name!: string;

  @Field(() => String)
  value!: string;
}

@ObjectType('PixelHost', { description: 'A host on your own domain that serves your script and pixels once proven in DNS.' })
export class PixelHost {
  @Field(() => String)
  host!: string;

  @Field(() => PixelHostStatus)
  status!: PixelHostStatus;

  @Field(() => PixelHostOrigin)
  origin!: PixelHostOrigin;

  @Field(() => DnsRecord, {
    nullable: true,
    description: 'The TXT record that proves the host (it works beside any other record of the host); then call verifyPixelHost. Null for hosts the operator gave.',
  })
  record!: DnsRecord | null;

  @Field(() => DnsRecord, {
    nullable: true,
    description: 'Or instead: the CNAME that proves the host, when the service has a pixel domain. Null otherwise.',
  })
  cnameRecord!: DnsRecord | null;

  @Field(() => String, { nullable: true, description: 'TXT or CNAME: the record that proved the host.' })
  provenBy!: string | null;

  @Field(() => Date, { nullable: true })
  verifiedAt!: Date | null;

  @Field(() => Date, { nullable: true, description: 'Proven hosts are checked again on a schedule; a proof missing several checks in a row makes the host PENDING.' })
  lastCheckedAt!: Date | null;

  @Field(() => Int, { description: 'Checks in a row that found no proof.' })
  failedChecks!: number;

  @Field(() => String, { nullable: true, description: 'What the last check found wrong.' })
  lastCheckError!: string | null;
}
