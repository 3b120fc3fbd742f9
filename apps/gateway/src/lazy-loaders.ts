import type { Actor, Application } from "@flowgate/application";

/** Builds one loader of a request over the application, the caller and the request's other loaders. */
export type LoaderFactories<T> = { [K in keyof T]: (app: Application, actor: Actor, loaders: T) => T[K] };

const appOf = Symbol("app");
const actorOf = Symbol("actor");
const builtOf = Symbol("built");

interface LazyState {
  [appOf]: Application;
  [actorOf]: Actor;
  [builtOf]: Record<PropertyKey, unknown>;
}

/**
 * A constructor of per-request loader sets whose loaders are each built when first used: a query that
 * loads one kind of record (`run(id)`) builds one or two DataLoaders, not all thirty-odd. The getters sit
 * on a shared prototype, so a request allocates one object and its loaders; assigning a property (the
 * recipient endpoint's own questionnaire versions) replaces that loader.
 */
export function lazyLoaders<T extends object>(
  factories: LoaderFactories<T>,
): (app: Application, actor: Actor) => T {
  class Lazy implements LazyState {
    [appOf]: Application;
    [actorOf]: Actor;
    [builtOf]: Record<PropertyKey, unknown> = {};
    constructor(app: Application, actor: Actor) {
      this[appOf] = app;
      this[actorOf] = actor;
    }
  }
  for (const [name, build] of Object.entries(factories) as [string, LoaderFactories<T>[keyof T]][]) {
    Object.defineProperty(Lazy.prototype, name, {
      enumerable: true,
      get(this: Lazy) {
        const built = this[builtOf];
        if (!(name in built)) built[name] = build(this[appOf], this[actorOf], this as unknown as T);
        return built[name];
      },
      set(this: Lazy, value: unknown) {
        this[builtOf][name] = value;
      },
    });
  }
  return (app, actor) => new Lazy(app, actor) as unknown as T;
}
