// Builds the lab page's bundle into the Django app's static files, where it
// is committed (the Python-only set-up needs no Node). Fixed file names and
// no hashes: WhiteNoise's manifest storage adds the content hashes.
import { defineConfig } from "vite";
import { fileURLToPath } from "node:url";

export default defineConfig({
  base: "./",
  logLevel: "warn",
  build: {
    outDir: fileURLToPath(new URL("../lab/labs/static/labs/build", import.meta.url)),
    emptyOutDir: true,
    sourcemap: false,
    target: "es2022",
    cssCodeSplit: false,
    rolldownOptions: {
      input: fileURLToPath(new URL("src/lab.js", import.meta.url)),
      output: {
        entryFileNames: "lab.js",
        chunkFileNames: "[name].js",
        assetFileNames: "lab[extname]",
      },
    },
  },
});
