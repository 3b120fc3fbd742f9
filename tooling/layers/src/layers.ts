/**
 * The layers of Flowgate, lowest first. A package may depend on (and import) only packages of lower
 * layers: `domain ← db ← engine ← application ← adapters`. See ARCHITECTURE.md.
 */
export const layers = [
  { name: "@flowgate/domain", path: "packages/domain" },
  { name: "@flowgate/db", path: "packages/db" },
  { name: "@flowgate/engine", path: "packages/engine" },
  { name: "@flowgate/application", path: "packages/application" },
  { name: "@flowgate/gateway", path: "apps/gateway" },
] as const;

/** A package of {@link layers}. */
export type LayerName = (typeof layers)[number]["name"];

/**
 * What an adapter's sources may import besides the application: the domain (types, errors) and the engine
 * for process wiring; never the database layer, whose rows stay behind the application.
 */
export const adapterSourceRules: Record<string, { forbidden: readonly LayerName[] }> = {
  "@flowgate/gateway": { forbidden: ["@flowgate/db"] },
};

/**
 * `@flowgate/*` packages outside the layers: clients of the API (the console and the typed client, which
 * only the gateway serves or tests against) and tooling every package may use.
 */
export const outsideLayers: Record<string, { usableBy: readonly LayerName[] | "all" }> = {
  "@flowgate/client": { usableBy: ["@flowgate/gateway"] },
  "@flowgate/console": { usableBy: ["@flowgate/gateway"] },
  "@flowgate/tsconfig": { usableBy: "all" },
  "@flowgate/vitest-config": { usableBy: "all" },
};
