export { type ConsoleBundle, defaultConsoleDir, loadConsoleBundle } from "./console-bundle.ts";
export { renderOfflineGraphiQL } from "./graphiql.ts";
export { createPages, type Pages, type PagesOptions } from "./pages.ts";
