import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import type { RecipientContext } from "./context.ts";

/**
 * The recipient schema's own Pothos builder: magic-link recipients get a small schema of their own, served
 * at `/recipient/graphql`, that shares no type with the API-key schema.
 */
export const recipientBuilder = new SchemaBuilder<{
  Context: RecipientContext;
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
  };
}>({
  // Scope auth is loaded only because its types are global; recipients have no scopes: the token that
  // opened the request (checked when the context is built) is their whole authorization.
  plugins: [ScopeAuthPlugin, ErrorsPlugin],
  defaultFieldNullability: false,
  scopeAuth: { authScopes: async () => ({}) },
  errors: { defaultTypes: [], directResult: true },
});
