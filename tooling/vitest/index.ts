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
    // Vitest hands these to Node as `--conditions` for the packages it does not transform. Without Vite's
    // `module` condition, which Node does not know: packages that export untransformed ESM under it
    // (OpenTelemetry's imports files without extensions) load as under `node --conditions=source`.
    ssr: {
      resolve: {
        conditions: [
          sourceCondition,
          ...defaultServerConditions.filter((condition) => condition !== "module"),
        ],
      },
    },
  };
  return mergeConfig(shared, config);
}
