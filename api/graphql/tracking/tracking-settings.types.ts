import { ArgsType, Field, InputType, Int } from 'type-graphql';

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
}

@ArgsType()
export class EmailPixelArgs {
  @Field(() => String)
  email!: string;

  @Field(() => String, { nullable: true })
  campaign?: string | null;
}
