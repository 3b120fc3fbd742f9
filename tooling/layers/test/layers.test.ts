import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
import { checkLayers } from "../src/check-layers.ts";
import { layers } from "../src/layers.ts";

const repositoryRoot = fileURLToPath(new URL("../../..", import.meta.url));

describe("layers", () => {
  it("hold in this repository: domain ← db ← engine ← application ← gateway, and the gateway's sources never import @flowgate/db", () => {
    expect(checkLayers(repositoryRoot)).toEqual([]);
  });

  describe("the check itself", () => {
    const root = mkdtempSync(join(tmpdir(), "flowgate-layers-"));
    afterAll(() => rmSync(root, { recursive: true, force: true }));

    function write(path: string, text: string) {
      mkdirSync(dirname(join(root, path)), { recursive: true });
      writeFileSync(join(root, path), text);
    }

    // A minimal repository that follows the rules, then breaks one rule per file.
    for (const layer of layers) write(`${layer.path}/package.json`, JSON.stringify({ name: layer.name }));
    write(
      "packages/engine/src/ok.ts",
      'import { Db } from "@flowgate/db";\nimport type { X } from "./x.ts";\n',
    );
    write("apps/gateway/test/ok.test.ts", 'import { createTestDatabase } from "@flowgate/db/testing";\n');
    write("packages/engine/src/upward.ts", 'import { createWorkflow } from "@flowgate/application";\n');
    write("packages/domain/test/upward.test.ts", 'const db = await import("@flowgate/db");\n');
    write("apps/gateway/src/reads-db.ts", 'export { listRuns } from "@flowgate/db";\n');
    write("packages/application/src/reaches.ts", 'import "../../engine/src/worker.ts";\n');
    write("apps/gateway/test/client.test.ts", 'import { createFlowgateClient } from "@flowgate/client";\n');
    write(
      "packages/engine/test/client.test.ts",
      'import { createFlowgateClient } from "@flowgate/client";\n',
    );
    write(
      "packages/db/package.json",
      JSON.stringify({ name: "@flowgate/db", dependencies: { "@flowgate/engine": "workspace:*" } }),
    );

    it("reports every broken rule and nothing else", () => {
      expect(checkLayers(root)).toEqual(
        expect.arrayContaining([
          {
            file: "packages/db/package.json",
            message: "@flowgate/db depends on @flowgate/engine, which is not a lower layer",
          },
          {
            file: "packages/engine/src/upward.ts",
            message: "@flowgate/engine imports @flowgate/application, not a lower layer",
          },
          {
            file: "packages/domain/test/upward.test.ts",
            message: "@flowgate/domain imports @flowgate/db, not a lower layer",
          },
          {
            file: "apps/gateway/src/reads-db.ts",
            message:
              "@flowgate/gateway sources import @flowgate/db; adapters go through @flowgate/application",
          },
          {
            file: "packages/application/src/reaches.ts",
            message: 'reaches outside packages/application with "../../engine/src/worker.ts"',
          },
          {
            file: "packages/engine/test/client.test.ts",
            message: "@flowgate/engine imports @flowgate/client, not a lower layer",
          },
        ]),
      );
      expect(checkLayers(root)).toHaveLength(6);
    });
  });
});
