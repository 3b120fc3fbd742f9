import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * Two pages in one build: the console (`index.html`, served at `/` with a fallback for its client-side
 * routes) and the recipient page (`recipient.html`, served at `/recipient`). Assets get hashed names so
 * the gateway can cache them for a year; nothing is loaded from another origin.
 */
export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    assetsDir: "assets",
    emptyOutDir: true,
    // The gateway's CSP allows scripts and styles from 'self' only: no inlined data: modules.
    assetsInlineLimit: 0,
    rollupOptions: {
      input: { console: "index.html", recipient: "recipient.html" },
    },
  },
  server: {
    // `pnpm --filter @flowgate/console dev` against a gateway on :4000.
    proxy: {
      "/graphql": { target: "http://127.0.0.1:4000", ws: true },
      "/recipient/graphql": { target: "http://127.0.0.1:4000" },
    },
  },
});
