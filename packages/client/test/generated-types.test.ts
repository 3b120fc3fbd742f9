import { execFileSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, test } from "vitest";

const here = fileURLToPath(new URL(".", import.meta.url));
const packageDir = join(here, "..");
const schemas = {
  gateway: join(packageDir, "../../apps/gateway/schema.graphql"),
  recipient: join(packageDir, "../../apps/gateway/recipient-schema.graphql"),
};

describe("generated introspection types", () => {
  const dir = mkdtempSync(join(tmpdir(), "flowgate-client-"));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test("match the checked-in schemas (run `pnpm --filter @flowgate/client generate` after a schema change)", () => {
    writeFileSync(
      join(dir, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          plugins: [
            {
              name: "gql.tada/ts-plugin",
              schemas: Object.entries(schemas).map(([name, schema]) => ({
                name,
                schema,
                tadaOutputLocation: join(dir, `${name}-env.d.ts`),
              })),
            },
          ],
        },
      }),
    );
    execFileSync(
      join(packageDir, "node_modules/.bin/gql.tada"),
      ["generate", "output", "-c", join(dir, "tsconfig.json")],
      {
        cwd: dir,
        stdio: "pipe",
      },
    );
    for (const name of Object.keys(schemas)) {
      const fresh = readFileSync(join(dir, `${name}-env.d.ts`), "utf8");
      const checkedIn = readFileSync(join(packageDir, `src/generated/${name}-env.d.ts`), "utf8");
      expect(checkedIn, `src/generated/${name}-env.d.ts is stale`).toBe(fresh);
    }
  });
});
