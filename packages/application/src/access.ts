import { type ApiKeyScope, hasScope, MissingScopeError } from "@flowgate/domain";
import type { Actor } from "./actor.ts";

/**
 * Refuses an actor whose key lacks `scope` (`admin` grants every scope; `workflows:write` also grants
 * `workflows:trigger`). Every use case calls this (or {@link requireAnyScope}) first.
 *
 * @param actor - The caller.
 * @param scope - The scope the use case needs.
 * @throws MissingScopeError naming the scope.
 */
export function requireScope(actor: Actor, scope: ApiKeyScope): void {
  if (!hasScope(actor.scopes, scope)) throw new MissingScopeError([scope]);
}

/**
 * Refuses an actor whose key has none of `scopes` (reads reachable from several features, e.g. a run is
 * readable with `sessions:read` or `workflows:read`).
 *
 * @param actor - The caller.
 * @param scopes - The scopes of which one is enough.
 * @throws MissingScopeError naming the scopes.
 */
export function requireAnyScope(actor: Actor, scopes: readonly ApiKeyScope[]): void {
  if (!scopes.some((scope) => hasScope(actor.scopes, scope))) throw new MissingScopeError(scopes);
}
