import { Field, Int, ObjectType } from 'type-graphql';
import { Company } from '../leads/lead.types.js';

@ObjectType('IpLookup', { description: 'What an address says about its network; hosting and ISP networks are never a visiting company.' })
export class IpLookup {
  @Field(() => String)
  ip!: string;

  @Field(() => Int, { nullable: true })
  asn!: number | null;

  @Field(() => String, { nullable: true })
  organization!: string | null;

  @Field(() => Boolean)
  isHosting!: boolean;

  @Field(() => String, { nullable: true, description: 'hosting, isp or business: hand-labelled for the networks that hold 87 % of IPv4 addresses, else read from the name.' })
  networkKind!: string | null;

  @Field(() => String, { nullable: true, description: 'ISO 3166-1 alpha-2 country of the address (DB-IP City Lite, CC BY 4.0).' })
  country!: string | null;

  @Field(() => String, { nullable: true, description: "The address's region: state, province or other first-level subdivision." })
  region!: string | null;

  @Field(() => String, { nullable: true })
  city!: string | null;

  @Field(() => Company, { nullable: true, description: "The tenant's company of this network, where its domain is known." })
  company!: Company | null;
}
