import type { GraphQLSchema } from 'graphql';

/**
 * The resolver instances a schema was built with. type-graphql's `subscribe`
 * option is a static function: it finds its resolver (and so its services)
 * through the schema it is running in, never through a module-level singleton.
 */
const bySchema = new WeakMap<GraphQLSchema, ReadonlyMap<Function, unknown>>();

export function registerInstances(schema: GraphQLSchema, instances: ReadonlyMap<Function, unknown>): void {
  bySchema.set(schema, instances);
}

export function instanceFor<T>(schema: GraphQLSchema, cls: abstract new (...args: never[]) => T): T {
  const instance = bySchema.get(schema)?.get(cls);
  if (instance === undefined) throw new Error(`the schema holds no ${cls.name}`);
  return instance as T;
}
