import { FlowgateClient, graphql } from "@flowgate/client";

const KEY_STORAGE = "flowgate.apiKey";

/** The API key of this tab (session storage: gone when the tab closes, never in local storage). */
export function storedApiKey(): string | null {
  return sessionStorage.getItem(KEY_STORAGE);
}

/** Keeps the key for this tab, or forgets it (`null`). */
export function storeApiKey(key: string | null): void {
  if (key) sessionStorage.setItem(KEY_STORAGE, key);
  else sessionStorage.removeItem(KEY_STORAGE);
}

/** The console's client of the gateway that served it (same origin: `/graphql`, graphql-ws on the same path). */
export const client = new FlowgateClient({ url: "/graphql", apiKey: storedApiKey });

/** Any valid key may run it: authentication happens before a field's scope is checked. */
export const CheckKey = graphql(`
  query CheckKey {
    __typename
  }
`);

/** The environment a key belongs to, read from its prefix (`fg_live_…` / `fg_sandbox_…`). */
export function keyEnvironment(key: string | null): "live" | "sandbox" | null {
  if (!key) return null;
  if (key.startsWith("fg_live_")) return "live";
  if (key.startsWith("fg_sandbox_")) return "sandbox";
  return null;
}

/** The message of an `Error` union member, or of a thrown error. */
export function problem(value: { __typename: string; message?: string } | Error | undefined | null): string {
  if (!value) return "";
  if (value instanceof Error) return value.message;
  return value.message ?? value.__typename;
}
