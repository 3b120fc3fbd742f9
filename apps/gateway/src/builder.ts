import { type ApiKeyScope, assertSafeText, hasScope } from "@flowgate/domain";
import SchemaBuilder from "@pothos/core";
import ErrorsPlugin from "@pothos/plugin-errors";
import RelayPlugin from "@pothos/plugin-relay";
import ScopeAuthPlugin from "@pothos/plugin-scope-auth";
import SubGraphPlugin from "@pothos/plugin-sub-graph";
import { GraphQLError } from "graphql";
import type { GraphQLContext } from "./context.ts";
import SafeTextPlugin from "./safe-text-plugin.ts";

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
  whe: "WebhookEndpoint",
  whd: "WebhookDelivery",
  sch: "Schedule",
  hok: "InboundTrigger",
};

/**
 * The sub-graphs the one builder serves: `Api`, the API-key schema at `/graphql` (every type by default),
 * and `Recipient`, the magic-link recipients' schema at `/recipient/graphql` (the types and fields marked
 * for it).
 */
export type SubGraph = "Api" | "Recipient";

/** The Pothos schema builder of both schemas; types register themselves on it in `schema/`. */
export const builder = new SchemaBuilder<{
  Context: GraphQLContext;
  SubGraphs: SubGraph;
  AuthScopes: { scope: ApiKeyScope; anyScope: ApiKeyScope[] };
  DefaultFieldNullability: false;
  Scalars: {
    DateTime: { Input: Date; Output: Date | string };
    JSON: { Input: unknown; Output: unknown };
    JSONObject: { Input: Record<string, unknown>; Output: Record<string, unknown> };
    File: { Input: File; Output: never };
  };
}>({
  // Order matters: the first plugin wraps the others' resolvers. SafeText runs inside Errors, so that its
  // ValidationError becomes a member of a field's result union.
  plugins: [ScopeAuthPlugin, ErrorsPlugin, SafeTextPlugin, RelayPlugin, SubGraphPlugin],
  defaultFieldNullability: false,
  subGraphs: { defaultForTypes: ["Api"], fieldsInheritFromTypes: true },
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
      // Relay decodes ids before any resolver (and the safe-text plugin) sees them.
      assertSafeText({ id: globalID }, "node");
      const typename = typenameByPrefix[globalID.split("_", 1)[0] ?? ""];
      if (!typename)
        throw new GraphQLError(`Unknown id ${globalID}`, { extensions: { code: "BAD_USER_INPUT" } });
      return { typename, id: globalID };
    },
  },
});
