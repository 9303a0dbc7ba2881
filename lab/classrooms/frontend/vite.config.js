// Builds the dashboard's and the read-only lab view's code into the app's
// static files, where it is committed (the Python-only set-up needs no
// Node). Fixed names; WhiteNoise's manifest storage adds content hashes.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

const src = (name) => fileURLToPath(new URL(`src/${name}`, import.meta.url));

export default defineConfig({
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../static/classrooms/build", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    rolldownOptions: {
      input: { dashboard: src("dashboard.js"), labview: src("labview.js") },
      output: { entryFileNames: "[name].js", chunkFileNames: "[name].js", assetFileNames: "[name][extname]" },
    },
  },
});
