import { ApolloServer } from '@apollo/server';
import { buildSchema, parse, type GraphQLFormattedError, type GraphQLObjectType } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { analyseOperation } from '../../api/graphql/limits/query-complexity.js';
import { queryLimitsPlugin } from '../../api/graphql/limits/query-limits.plugin.js';
import { checkOperationLimits } from '../../api/graphql/limits/operation-limits.js';
import { fieldCost, fieldWeight, LOOKUP_COST, SCAN_COST } from '../../api/graphql/limits/field-cost.js';
import { buildGatewaySchema } from '../../api/graphql/build-schema.js';
import { createMemoryCoordination } from '../../platform/coordination/memory-coordination.js';

const typeDefs = /* GraphQL */ `
  type Query {
    me: User
    account(id: ID!): Account
    leads(first: Int = 50): [Lead!]!
  }
  type User {
    id: ID!
    name: String
    account: Account
  }
  type Account {
    id: ID!
    name: String!
    owner: User
    leads(first: Int = 50): [Lead!]!
  }
  type Lead {
    id: ID!
    email: String!
    account: Account
    score: Score
  }
  type Score {
    value: Int!
    reasons: [Reason!]!
  }
  type Reason {
    code: String!
  }
`;

const schema = buildSchema(typeDefs);

function analyse(query: string, variables: Record<string, unknown> = {}, operationName?: string) {
  return analyseOperation({
    schema,
    document: parse(query),
    operationName,
    variables,
    maxFirst: 100,
    defaultListSize: 10,
  });
}

describe('analyseOperation depth', () => {
  it('counts plain field nesting', () => {
    expect(analyse('{ me { account { name } } }').depth).toBe(3);
  });

  it('follows fragment spreads and inline fragments', () => {
    const result = analyse(`
      query { me { ...UserParts } }
      fragment UserParts on User { account { ...AccountParts } }
      fragment AccountParts on Account { owner { ... on User { name } } }
    `);
    // me > account > owner > name
    expect(result.depth).toBe(4);
  });

  it('takes the deepest branch and ignores __typename', () => {
    expect(analyse('{ me { __typename id } account(id: "a") { owner { __typename } } }').depth).toBe(2);
    expect(analyse('{ __typename }').depth).toBe(0);
  });

  it('counts introspection fields like any other field', () => {
    expect(analyse('{ __schema { types { name } } }').depth).toBe(3);
    expect(analyse('{ __type(name: "Lead") { fields { name } } }').depth).toBe(3);
  });

  it('selects the requested operation of a multi-operation document', () => {
    const query = 'query Shallow { me { id } } query Deep { me { account { owner { id } } } }';
    expect(analyse(query, {}, 'Shallow').depth).toBe(2);
    expect(analyse(query, {}, 'Deep').depth).toBe(4);
  });

  it('terminates on fragment cycles by not re-entering a fragment on the current path', () => {
    // Invalid GraphQL (NoFragmentCycles), parsed but deliberately not validated.
    const result = analyse(`
      query { me { ...A } }
      fragment A on User { account { ...B } }
      fragment B on Account { owner { ...A } }
    `);
    expect(result.depth).toBe(3);
    expect(result.cost).toBe(3);

    const selfCycle = analyse('query { me { ...Self } } fragment Self on User { id ...Self }');
    expect(selfCycle).toEqual({ depth: 2, cost: 2, firstViolations: [] });
  });
});

describe('analyseOperation cost', () => {
  it('costs 1 per non-list field', () => {
    expect(analyse('{ me { id name account { name } } }').cost).toBe(5);
  });

  it('multiplies children by a literal first', () => {
    // 1 + 10 * (id + email)
    expect(analyse('{ leads(first: 10) { id email } }').cost).toBe(21);
  });

  it('multiplies children by a variable first, including a variable default', () => {
    expect(analyse('query ($n: Int) { leads(first: $n) { id } }', { n: 7 }).cost).toBe(8);
    expect(analyse('query ($n: Int = 4) { leads(first: $n) { id } }').cost).toBe(5);
  });

  it('falls back to the schema default of first when it is absent or its variable is unset', () => {
    expect(analyse('{ leads { id } }').cost).toBe(51);
    expect(analyse('query ($n: Int) { leads(first: $n) { id } }').cost).toBe(51);
  });

  it('uses defaultListSize for list fields without a first argument', () => {
    // reasons: 1 + 10 * 1 = 11; score: 1 + 11 = 12; leads: 1 + 2 * 12 = 25
    expect(analyse('{ leads(first: 2) { score { reasons { code } } } }').cost).toBe(25);
  });

  it('multiplies nested lists and counts fragments', () => {
    const result = analyse(`
      query { account(id: "a") { leads(first: 3) { ...LeadParts } } }
      fragment LeadParts on Lead { id account { leads(first: 2) { id } } }
    `);
    // inner leads: 1 + 2 * 1 = 3; account: 1 + 3 = 4; outer leads: 1 + 3 * (1 + 4) = 16; account: 17
    expect(result.cost).toBe(17);
  });
});

describe('analyseOperation first violations', () => {
  it('flags first above maxFirst or below zero, but accepts the bounds', () => {
    expect(analyse('{ leads(first: 101) { id } }').firstViolations).toEqual([{ path: 'leads.first', value: 101 }]);
    expect(analyse('{ leads(first: -1) { id } }').firstViolations).toEqual([{ path: 'leads.first', value: -1 }]);
    expect(analyse('{ leads(first: 100) { id } }').firstViolations).toEqual([]);
    expect(analyse('{ leads(first: 0) { id } }').firstViolations).toEqual([]);
  });

  it('resolves variables and reports a readable path through aliases and fragments', () => {
    const result = analyse(
      `
        query ($n: Int!) { big: leads(first: $n) { id } account(id: "a") { ...AccountLeads } }
        fragment AccountLeads on Account { leads(first: 500) { id } }
      `,
      { n: 101 },
    );
    expect(result.firstViolations).toEqual([
      { path: 'big.first', value: 101 },
      { path: 'account.leads.first', value: 500 },
    ]);
  });

  it('does not flag schema defaults the client never supplied', () => {
    expect(analyse('{ leads { id } }').firstViolations).toEqual([]);
  });
});

describe('queryLimitsPlugin with ApolloServer', () => {
  const server = new ApolloServer({
    typeDefs,
    resolvers: {
      Query: {
        me: () => ({ id: 'u1', name: 'Ada' }),
        leads: (_parent: unknown, args: { first: number }) =>
          Array.from({ length: args.first }, (_, index) => ({ id: `l${index}`, email: `l${index}@example.com` })),
      },
      User: { account: () => ({ id: 'a1', name: 'Acme' }) },
      Account: { owner: () => ({ id: 'u1', name: 'Ada' }) },
    },
    plugins: [queryLimitsPlugin({ maxDepth: 4, maxCost: 200, maxFirst: 100, defaultListSize: 10 })],
  });

  beforeAll(async () => {
    await server.start();
  });
  afterAll(async () => {
    await server.stop();
  });

  async function run(query: string, variables?: Record<string, unknown>) {
    const response = await server.executeOperation({ query, variables });
    if (response.body.kind !== 'single') throw new Error('expected a single result');
    return { status: response.http.status, result: response.body.singleResult };
  }

  function onlyError(errors: readonly GraphQLFormattedError[] | undefined): GraphQLFormattedError {
    expect(errors).toHaveLength(1);
    const [error] = errors ?? [];
    if (!error) throw new Error('expected an error');
    return error;
  }

  it('rejects a too-deep query with QUERY_TOO_COMPLEX before execution', async () => {
    const { status, result } = await run('{ me { account { owner { account { owner { id } } } } } }');
    expect(status).toBe(400);
    expect(result.data).toBeUndefined();
    const error = onlyError(result.errors);
    expect(error.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', depth: 6, maxDepth: 4 });
    expect(error.message).toContain('depth 6 exceeds 4');
  });

  it('rejects a too-costly query with QUERY_TOO_COMPLEX', async () => {
    const { status, result } = await run('{ leads(first: 100) { id email } }');
    expect(status).toBe(400);
    expect(onlyError(result.errors).extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 201, maxCost: 200 });
  });

  it('rejects first: 500 with BAD_USER_INPUT, also via a variable', async () => {
    const literal = await run('{ leads(first: 500) { id } }');
    expect(literal.status).toBe(400);
    expect(literal.result.data).toBeUndefined();
    const error = onlyError(literal.result.errors);
    expect(error.message).toBe('first must be between 0 and 100 (leads.first)');
    expect(error.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: 'leads.first' });

    const viaVariable = await run('query ($n: Int!) { leads(first: $n) { id } }', { n: 500 });
    expect(viaVariable.status).toBe(400);
    expect(onlyError(viaVariable.result.errors).extensions).toMatchObject({ code: 'BAD_USER_INPUT' });
  });

  it('executes an acceptable query', async () => {
    const { status, result } = await run('{ me { name account { name } } leads(first: 3) { id email } }');
    expect(status ?? 200).toBe(200);
    expect(result.errors).toBeUndefined();
    expect(result.data).toEqual({
      me: { name: 'Ada', account: { name: 'Acme' } },
      leads: [
        { id: 'l0', email: 'l0@example.com' },
        { id: 'l1', email: 'l1@example.com' },
        { id: 'l2', email: 'l2@example.com' },
      ],
    });
  });
});

describe('analyseOperation on connections', () => {
  const connectionSchema = buildSchema(/* GraphQL */ `
    type Query {
      leads(first: Int = 50, after: String): LeadConnection!
    }
    type LeadConnection {
      edges: [LeadEdge!]!
      totalCount: Int!
    }
    type LeadEdge {
      cursor: String!
      node: Lead!
    }
    type Lead {
      id: ID!
    }
  `);
  const cost = (query: string) =>
    analyseOperation({ schema: connectionSchema, document: parse(query), variables: {}, maxFirst: 100, defaultListSize: 10 }).cost;

  it("sizes a connection's edges by its first, supplied or default", () => {
    // leads (1) + edges (1 + first * (node (1 + id 1)))
    expect(cost('{ leads(first: 3) { edges { node { id } } } }')).toBe(1 + 1 + 3 * 2);
    expect(cost('{ leads { edges { node { id } } } }')).toBe(1 + 1 + 50 * 2);
    expect(cost('{ leads(first: 3) { ...Page } } fragment Page on LeadConnection { edges { node { id } } }')).toBe(1 + 1 + 3 * 2);
  });
});

describe('declared field weights', () => {
  // The extensions type-graphql's @Extensions(fieldCost(n)) writes, set here by hand on an SDL schema.
  const weighted = buildSchema(`
    type Query { segment(id: ID!): Segment  segments: [Segment!]! }
    type Segment { id: ID!  count: Int! }
  `);
  Object.assign((weighted.getType('Segment') as GraphQLObjectType).getFields()['count']!, { extensions: fieldCost(200) });
  const cost = (query: string) =>
    analyseOperation({ schema: weighted, document: parse(query), variables: {}, maxFirst: 100, defaultListSize: 10 }).cost;

  it('adds the weight once per resolution, multiplied by the lists above it', () => {
    expect(cost('{ segment(id: "s") { id count } }')).toBe(1 + 1 + 200);
    expect(cost('{ segments { count } }')).toBe(1 + 10 * 200);
    expect(cost('{ a: segment(id: "s") { count } b: segment(id: "t") { count } }')).toBe(2 * 201);
  });

  it('falls back to 1 for fields that declare no weight or nonsense', () => {
    expect(fieldWeight(undefined)).toBe(1);
    const field = (weighted.getType('Segment') as GraphQLObjectType).getFields()['id']!;
    expect(fieldWeight(field)).toBe(1);
    for (const nonsense of [0, -5, 1.5, '300', Number.NaN]) expect(fieldWeight({ ...field, extensions: { cost: nonsense } })).toBe(1);
  });

  it('is declared on the gateway schema for the fields that scan, aggregate or search', async () => {
    const schema = await buildGatewaySchema(undefined, createMemoryCoordination().pubsub);
    const weightOf = (type: string, name: string) => fieldWeight((schema.getType(type) as GraphQLObjectType).getFields()[name]);
    expect(weightOf('Segment', 'count')).toBe(SCAN_COST);
    expect(weightOf('Segment', 'members')).toBe(SCAN_COST);
    expect(weightOf('Query', 'leads')).toBe(SCAN_COST);
    expect(weightOf('Query', 'usage')).toBe(SCAN_COST);
    expect(weightOf('Query', 'leadByEmail')).toBe(LOOKUP_COST);
    expect(weightOf('Query', 'lookupIp')).toBe(LOOKUP_COST);
    expect(weightOf('Query', 'company')).toBe(LOOKUP_COST);
    expect(weightOf('Lead', 'email')).toBe(1);
  });
});

describe('checkOperationLimits, shared by HTTP and the socket', () => {
  const limits = { maxDepth: 4, maxCost: 200, maxFirst: 100, defaultListSize: 10 };
  const check = (query: string) => checkOperationLimits(limits, { schema, document: parse(query), variables: {} });

  it('passes what is within the limits and refuses the rest with the API codes', () => {
    expect(check('{ me { id } }')).toBeUndefined();
    expect(check('{ leads(first: 500) { id } }')?.extensions).toMatchObject({ code: 'BAD_USER_INPUT', argumentPath: 'leads.first' });
    expect(check('{ leads(first: 100) { id email } }')?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', cost: 201 });
  });
});

describe('analyseOperation edges of the cost library', () => {
  const shapes = buildSchema(/* GraphQL */ `
    type Query {
      items(first: Int = 20): [Item!]!
      item(id: ID!): Item
      leads(first: Int = 50): LeadConnection!
    }
    interface Item { id: ID! }
    type Note implements Item { id: ID!  text: String! }
    type Task implements Item { id: ID!  title: String!  due: String!  owner: String! }
    type LeadConnection { edges: [LeadEdge!]!  totalCount: Int! }
    type LeadEdge { node: Lead! }
    type Lead { id: ID!  email: String! }
  `);
  const analyseShapes = (query: string, variables: Record<string, unknown> = {}) =>
    analyseOperation({ schema: shapes, document: parse(query), variables, maxFirst: 100, defaultListSize: 10 });
  const cost = (query: string, variables?: Record<string, unknown>) => analyseShapes(query, variables).cost;

  it('counts a fragment spread twice twice, and each alias on its own', () => {
    expect(cost('{ item(id: "i") { ...F ...F } } fragment F on Item { id }')).toBe(1 + 2);
    expect(cost('{ a: item(id: "i") { id } b: item(id: "j") { id } }')).toBe(2 * 2);
    const twice = analyseShapes('{ a: leads(first: 101) { totalCount } b: leads(first: 102) { totalCount } }');
    expect(twice.firstViolations).toEqual([
      { path: 'a.first', value: 101 },
      { path: 'b.first', value: 102 },
    ]);
  });

  it('costs inline fragments on an interface as the costliest possible type, not their sum', () => {
    // Task: id + title + due + owner = 4, Note: id + text = 2; one item is one type.
    expect(cost('{ item(id: "i") { id ... on Note { text } ... on Task { title due owner } } }')).toBe(1 + 4);
    expect(analyseShapes('{ item(id: "i") { ... on Task { title } } }').depth).toBe(2);
  });

  it('leaves __typename free, also inside lists', () => {
    expect(cost('{ __typename items(first: 5) { __typename id } }')).toBe(1 + 5 * 1);
  });

  it('leaves out what @skip/@include leave out', () => {
    const query = 'query ($full: Boolean!) { item(id: "i") { id ... on Task @include(if: $full) { title due owner } } }';
    expect(cost(query, { full: false })).toBe(1 + 1);
    expect(cost(query, { full: true })).toBe(1 + 4);
  });

  it("sizes a connection fragment by each spread's own first", () => {
    const query = `{ a: leads(first: 2) { ...Page } b: leads(first: 5) { ...Page totalCount } }
      fragment Page on LeadConnection { edges { node { id } } }`;
    // a: 1 + (1 + 2 * 2); b: 1 + (1 + 5 * 2) + 1
    expect(cost(query)).toBe(6 + 13);
  });

  it('leaves the cost unmeasured when variables do not coerce, for execution to refuse', () => {
    const analysis = analyseShapes('query ($n: Int!, $m: Int!) { a: items(first: $n) { id } b: items(first: $m) { id } }', { n: 'ten', m: 500 });
    expect(analysis.unmeasured).toBe('invalid-variables');
    expect(analysis.firstViolations).toEqual([{ path: 'b.first', value: 500 }]);
  });

  it('refuses a fragment fan-out past the selection limit as too complex, without a cost', () => {
    // Eight levels of four spreads each: 4^8 selections from a few hundred bytes.
    const fragments = Array.from({ length: 8 }, (_, level) => `fragment L${level} on Item { ${Array.from({ length: 4 }, () => `...L${level + 1}`).join(' ')} }`);
    const query = `{ item(id: "i") { ...L0 } } ${fragments.join(' ')} fragment L8 on Item { id }`;
    expect(analyseShapes(query).unmeasured).toBe('too-many-selections');
    const refusal = checkOperationLimits(
      { maxDepth: 12, maxCost: 25_000, maxFirst: 100, defaultListSize: 10 },
      { schema: shapes, document: parse(query), variables: {} },
    );
    expect(refusal?.message).toContain('selections to evaluate');
    expect(refusal?.extensions).toMatchObject({ code: 'QUERY_TOO_COMPLEX', depth: 2 });
    expect(refusal?.extensions).not.toHaveProperty('cost');
  });
});
