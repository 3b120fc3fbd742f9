import { type ApiKeyScope, hasScope } from "@flowgate/domain";
import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import { GraphQLError } from "graphql";
import type { GraphQLContext } from "./context.ts";

/** Maps an id's prefix to the GraphQL type that `node(id)` resolves it to. */
const typenameByPrefix: Record<string, string> = {
  wfl: "Workflow",
  wfd: "WorkflowDraft",
  ses: "Session",
  wfr: "Run",
  ws: "Workspace",
  key: "ApiKey",
  ent: "Entity",
  qnr: "Questionnaire",
  rsp: "Response",
  wfs: "WorkflowSession",
};

/** The Pothos schema builder; types register themselves on it in `schema/`. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  AuthScopes: { scope: ApiKeyScope; anyScope: ApiKeyScope[] };
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
  };
}>({
  plugins: [ScopeAuthPlugin, ErrorsPlugin, RelayPlugin],
  defaultFieldNullability: false,
  scopeAuth: {
    authScopes: async (context) => ({
      scope: (required: ApiKeyScope) => hasScope(context.actor.scopes, required),
      anyScope: (required: ApiKeyScope[]) => required.some((scope) => hasScope(context.actor.scopes, scope)),
    }),
  },
  errors: {
    defaultTypes: [],
    directResult: true,
  },
  relay: {
    clientMutationId: "omit",
    cursorType: "String",
    // Flowgate ids already carry their type (`wfl_…`, `ses_…`, `wfr_…`), so they are the global ids.
    encodeGlobalID: (_typename, id) => String(id),
    decodeGlobalID: (globalID) => {
      const typename = typenameByPrefix[globalID.split("_", 1)[0] ?? ""];
      if (!typename)
        throw new GraphQLError(`Unknown id ${globalID}`, { extensions: { code: "BAD_USER_INPUT" } });
      return { typename, id: globalID };
    },
  },
});
