import { createEntity, listEntities, listResponses, updateEntity } from "@flowgate/application";
import { type DdqResponse, type Entity, entityDisplayName, entityTypes } from "@flowgate/domain";
import { builder } from "../builder.ts";
import { recordErrors } from "./errors.ts";
import { keysetConnection } from "./pagination.ts";

/** The GraphQL `EntityType` enum. */
export const EntityTypeEnum = builder.enumType("EntityType", {
  description: "Whether an entity is a company or a person.",
  values: Object.fromEntries(
    entityTypes.map((type) => [
      type,
      {
        description:
          type === "company"
            ? "A company (legal name required)."
            : "A person (first and last name required).",
      },
    ]),
  ) as Record<(typeof entityTypes)[number], { description: string }>,
});

/** The GraphQL `Entity` type. */
export const EntityRef = builder.objectRef<Entity>("Entity");

/** The GraphQL `Response` type, implemented in `response.ts` (declared here to break the import cycle). */
export const ResponseRef = builder.objectRef<DdqResponse>("Response");

builder.node(EntityRef, {
  description: "A company or individual that questionnaires and identity verification requests are sent to.",
  authScopes: { scope: "entities:read" },
  id: { resolve: (entity) => entity.id },
  isTypeOf: (value) =>
    typeof value === "object" && value !== null && "entityType" in value && "jurisdiction" in value,
  loadMany: async (ids, context) =>
    (await context.loaders.ddq.entity.loadMany(ids)).map((e) => (e instanceof Error ? null : (e ?? null))),
  fields: (t) => ({
    entityType: t.field({
      type: EntityTypeEnum,
      resolve: (e) => e.entityType,
      description: "Company or individual.",
    }),
    displayName: t.string({
      description: "A company's legal name, an individual's first and last name.",
      resolve: (e) => entityDisplayName(e),
    }),
    legalName: t.exposeString("legalName", {
      nullable: true,
      description: "Official registered name (companies).",
    }),
    tradingName: t.exposeString("tradingName", {
      nullable: true,
      description: "Trading / DBA name (companies).",
    }),
    firstName: t.exposeString("firstName", { nullable: true, description: "First name (individuals)." }),
    lastName: t.exposeString("lastName", { nullable: true, description: "Last name (individuals)." }),
    email: t.exposeString("email", { nullable: true, description: "Email address on record." }),
    phone: t.exposeString("phone", { nullable: true, description: "Phone number." }),
    jurisdiction: t.exposeString("jurisdiction", {
      nullable: true,
      description: "ISO 3166-1 alpha-2 country code, e.g. `GB`.",
    }),
    responses: t.connection({
      type: ResponseRef,
      description: "The entity's questionnaire responses, newest first.",
      authScopes: { scope: "responses:read" },
      resolve: (entity, args, context) =>
        keysetConnection(args, (page) =>
          listResponses(context.app, context.actor, { ...page, entityId: entity.id }),
        ),
    }),
    createdAt: t.expose("createdAt", { type: "DateTime", description: "When it was created." }),
    updatedAt: t.expose("updatedAt", { type: "DateTime", description: "When it last changed." }),
  }),
});

builder.queryFields((t) => ({
  entity: t.field({
    type: EntityRef,
    nullable: true,
    description: "An entity of the caller's workspace and environment, or null.",
    authScopes: { scope: "entities:read" },
    args: { id: t.arg.id({ required: true, description: "Entity id (`ent_…`)." }) },
    resolve: async (_root, { id }, context) => (await context.loaders.ddq.entity.load(String(id))) ?? null,
  }),
  entities: t.connection({
    type: EntityRef,
    description: "The entities of the caller's workspace and environment, newest first.",
    authScopes: { scope: "entities:read" },
    args: {
      entityType: t.arg({
        type: EntityTypeEnum,
        required: false,
        description: "Only entities of this type.",
      }),
    },
    resolve: (_root, args, context) =>
      keysetConnection(args, (page) =>
        listEntities(context.app, context.actor, { ...page, entityType: args.entityType ?? undefined }),
      ),
  }),
}));

const entityFieldArgs = (t: Parameters<Parameters<typeof builder.mutationFields>[0]>[0]) => ({
  legalName: t.arg.string({
    required: false,
    description: "Official registered name; required for a company.",
  }),
  tradingName: t.arg.string({ required: false, description: "Trading / DBA name (companies only)." }),
  firstName: t.arg.string({ required: false, description: "First name; required for an individual." }),
  lastName: t.arg.string({ required: false, description: "Last name; required for an individual." }),
  email: t.arg.string({ required: false, description: "Email address (stored on the entity)." }),
  phone: t.arg.string({ required: false, description: "Phone number (7 to 15 digits, optionally with +)." }),
  jurisdiction: t.arg.string({ required: false, description: "ISO 3166-1 alpha-2 country code, e.g. `GB`." }),
});

builder.mutationFields((t) => ({
  createEntity: t.field({
    type: EntityRef,
    description:
      "Creates an entity: a company (legalName required) or an individual (firstName and lastName required).",
    authScopes: { scope: "entities:write" },
    errors: { types: recordErrors },
    args: {
      entityType: t.arg({
        type: EntityTypeEnum,
        required: false,
        description: "Company (default) or individual.",
      }),
      ...entityFieldArgs(t),
    },
    resolve: (_root, args, context) => createEntity(context.app, context.actor, args),
  }),
  updateEntity: t.field({
    type: EntityRef,
    description:
      "Changes an entity's fields: fields left out stay, null clears an optional one. The type cannot change.",
    authScopes: { scope: "entities:write" },
    errors: { types: recordErrors },
    args: {
      id: t.arg.id({ required: true, description: "Entity id (`ent_…`)." }),
      ...entityFieldArgs(t),
    },
    resolve: (_root, args, context) =>
      updateEntity(context.app, context.actor, { ...args, id: String(args.id) }),
  }),
}));
