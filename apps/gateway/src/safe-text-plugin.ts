import { assertSafeText } from "@flowgate/domain";
import SchemaBuilder, { BasePlugin, type PothosOutputFieldConfig, type SchemaTypes } from "@pothos/core";
import type { GraphQLFieldResolver } from "graphql";

const pluginName = "safeText";

declare global {
  export namespace PothosSchemaTypes {
    export interface Plugins<Types extends SchemaTypes> {
      safeText: SafeTextPlugin<Types>;
    }
  }
}

/**
 * Checks the arguments of every field that has any — literals and variables alike, as graphql-js coerced
 * them, JSON inputs included — before its resolver runs: a NUL character or a lone surrogate in any string
 * is a `ValidationError` naming the argument (e.g. `name`, `input.graph.nodes.0.id`), never an unexpected
 * error from the database. Registered after the errors plugin, so a field whose result union has
 * `ValidationError` returns it; elsewhere the error masking answers it with code `VALIDATION`.
 */
export class SafeTextPlugin<Types extends SchemaTypes> extends BasePlugin<Types> {
  override wrapResolve(
    resolver: GraphQLFieldResolver<unknown, Types["Context"], object>,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> {
    if (Object.keys(fieldConfig.args).length === 0) return resolver;
    return (parent, args, context, info) => {
      assertSafeText(args, fieldConfig.name);
      return resolver(parent, args, context, info);
    };
  }

  override wrapSubscribe(
    subscribe: GraphQLFieldResolver<unknown, Types["Context"], object> | undefined,
    fieldConfig: PothosOutputFieldConfig<Types>,
  ): GraphQLFieldResolver<unknown, Types["Context"], object> | undefined {
    if (!subscribe || Object.keys(fieldConfig.args).length === 0) return subscribe;
    return (parent, args, context, info) => {
      assertSafeText(args, fieldConfig.name);
      return subscribe(parent, args, context, info);
    };
  }
}

SchemaBuilder.registerPlugin(pluginName, SafeTextPlugin);

/** The plugin's name, for the builder's `plugins`. */
export default pluginName;
