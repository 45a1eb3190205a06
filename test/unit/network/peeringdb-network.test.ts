import { describe, expect, it } from 'vitest';
import { parsePeeringDbNetworks, peeringDbNetworkKind } from '../../../intelligence/network/peeringdb-network.js';

const record = (fields: Record<string, unknown>) => ({
  id: 1,
  asn: 64_500,
  name: 'Example',
  info_type: '',
  info_types: [],
  website: '',
  updated: '2025-03-01T10:00:00Z',
  status: 'ok',
  ...fields,
});

describe('parsePeeringDbNetworks', () => {
  it('reads the records of an /api/net answer, ignoring fields it does not keep', () => {
    const parsed = parsePeeringDbNetworks({
      data: [
        record({ id: 2, asn: 7922, name: 'Comcast', info_type: 'Cable/DSL/ISP', info_types: ['Cable/DSL/ISP'], website: 'https://www.xfinity.com', notes: 'long text', info_prefixes4: 9000 }),
        record({ id: 3, asn: 4_200_000_000, name: '  Private  ', info_type: null, info_types: null, website: null, status: 'deleted' }),
      ],
      meta: {},
    });
    expect(parsed).toEqual({
      ok: true,
      value: {
        networks: [
          { id: 2, asn: 7922, name: 'Comcast', infoType: 'Cable/DSL/ISP', infoTypes: ['Cable/DSL/ISP'], website: 'https://www.xfinity.com', updated: new Date('2025-03-01T10:00:00Z'), status: 'ok' },
          { id: 3, asn: 4_200_000_000, name: 'Private', infoType: '', infoTypes: [], updated: new Date('2025-03-01T10:00:00Z'), status: 'deleted' },
        ],
        rejected: [],
        received: 2,
      },
    });
  });

  it('skips a record it cannot read, saying which and why, and keeps the rest', () => {
    const parsed = parsePeeringDbNetworks({
      data: [record({ id: 1 }), record({ id: 2, asn: 0 }), record({ id: 3, updated: 'yesterday' }), 'not a record', record({ id: 5, name: '' })],
    });
    if (!parsed.ok) throw new Error(JSON.stringify(parsed.problem));
    expect(parsed.value.networks.map((n) => n.id)).toEqual([1]);
    expect(parsed.value.received).toBe(5);
    expect(parsed.value.rejected.map((r) => r.index)).toEqual([1, 2, 3, 4]);
    expect(parsed.value.rejected[0]?.reason).toMatch(/^asn: /);
    expect(parsed.value.rejected[1]?.reason).toMatch(/^updated: /);
  });

  it('refuses what is not a PeeringDB answer', () => {
    expect(parsePeeringDbNetworks({ meta: { error: 'Entity not found' } })).toMatchObject({
      ok: false,
      problem: { kind: 'invalid-input', path: [], message: expect.stringMatching(/^not a PeeringDB answer: data/) as string },
    });
    expect(parsePeeringDbNetworks([record({})])).toMatchObject({ ok: false, problem: { kind: 'invalid-input' } });
    expect(parsePeeringDbNetworks(null)).toMatchObject({ ok: false, problem: { kind: 'invalid-input' } });
  });
});

describe('peeringDbNetworkKind', () => {
  const kind = (infoType: string, infoTypes: string[] = [], name = 'Example') => peeringDbNetworkKind({ name, infoType, infoTypes });

  it('reads carriers, hosts and single organisations from the declared type', () => {
    expect(kind('Cable/DSL/ISP')).toEqual({ kind: 'isp', infoType: 'Cable/DSL/ISP' });
    expect(kind('NSP')).toEqual({ kind: 'isp', infoType: 'NSP' });
    expect(kind('Content')).toEqual({ kind: 'hosting', infoType: 'Content' });
    expect(kind('Network Services')).toEqual({ kind: 'hosting', infoType: 'Network Services' });
    expect(kind('Enterprise')).toEqual({ kind: 'business', infoType: 'Enterprise' });
    expect(kind('Government')).toEqual({ kind: 'business', infoType: 'Government' });
    expect(kind('Non-Profit')).toEqual({ kind: 'business', infoType: 'Non-Profit' });
    expect(kind('Educational/Research', [], 'Stanford University')).toEqual({ kind: 'business', infoType: 'Educational/Research' });
  });

  it('says nothing for types that do not describe the network’s users', () => {
    expect(kind('Route Server')).toEqual({ kind: undefined, infoType: 'Route Server' });
    expect(kind('Route Collector')).toEqual({ kind: undefined, infoType: 'Route Collector' });
    expect(kind('Not Disclosed')).toEqual({ kind: undefined, infoType: 'Not Disclosed' });
    expect(kind('')).toEqual({ kind: undefined, infoType: '' });
  });

  it('takes research and education networks carrying many institutions for carriers', () => {
    expect(kind('Educational/Research', [], 'GEANT')).toMatchObject({ kind: 'isp' });
    expect(kind('Educational/Research', [], 'Jisc Services Limited')).toMatchObject({ kind: 'isp' });
    expect(kind('Educational/Research', [], 'KREONET')).toMatchObject({ kind: 'isp' });
    expect(kind('Educational/Research', [], 'National Research and Education Network of Ruritania')).toMatchObject({ kind: 'isp' });
    expect(kind('', ['Educational/Research', 'NSP'], 'Some NREN')).toEqual({ kind: 'isp', infoType: 'NSP' });
  });

  it('reads several types carrier first, then hosting, then one organisation', () => {
    expect(kind('', ['Content', 'Cable/DSL/ISP'])).toEqual({ kind: 'isp', infoType: 'Cable/DSL/ISP' });
    expect(kind('', ['Enterprise', 'Content'])).toEqual({ kind: 'hosting', infoType: 'Content' });
    expect(kind('', ['Route Server', 'Enterprise'])).toEqual({ kind: 'business', infoType: 'Enterprise' });
    expect(kind('content')).toEqual({ kind: 'hosting', infoType: 'content' });
  });
});
