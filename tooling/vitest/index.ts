import { defaultClientConditions, defaultServerConditions } from "vite";
import { mergeConfig, type ViteUserConfig } from "vitest/config";

/**
 * Export condition under which every `@flowgate/*` package exports its TypeScript sources instead of
 * its built `dist/` files. Node (`node --conditions=source`), TypeScript (`customConditions`) and Vitest
 * all run the workspace on sources, so nothing has to be built before a test or a start.
 */
export const sourceCondition = "source";

/**
 * Vitest configuration for a Flowgate package: resolves `@flowgate/*` imports to their sources (the
 * `source` export condition, before Vite's default conditions), then applies `config`.
 *
 * @param config - The package's own settings (timeouts, projects, aliases).
 */
export function flowgateVitestConfig(config: ViteUserConfig = {}): ViteUserConfig {
  const shared: ViteUserConfig = {
    resolve: { conditions: [sourceCondition, ...defaultClientConditions] },
    ssr: { resolve: { conditions: [sourceCondition, ...defaultServerConditions] } },
  };
  return mergeConfig(shared, config);
}
