import type { AsnTable } from '../../../intelligence/ip/asn-table.js';
import { classifyNetwork, type NetworkKind } from '../../../intelligence/ip/network-kind.js';

export interface AddressNetwork {
  readonly asn: number;
  readonly organization: string;
  readonly kind: NetworkKind;
}

/** The network the installed ASN table places an address on, with its kind; undefined outside every range. */
export function networkOfAddress(table: AsnTable, address: string): AddressNetwork | undefined {
  const match = table.lookup(address);
  return match === undefined ? undefined : { asn: match.asn, organization: match.organization, kind: classifyNetwork(match.asn, match.organization) };
}
