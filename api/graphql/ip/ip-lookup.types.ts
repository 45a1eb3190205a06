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

  @Field(() => String, { nullable: true, description: 'hosting, isp or business (a heuristic over ASN and name).' })
  networkKind!: string | null;

  @Field(() => Company, { nullable: true, description: "The tenant's company of this network, where its domain is known." })
  company!: Company | null;
}
