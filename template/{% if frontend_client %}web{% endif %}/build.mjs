// Bundles the demo page: src/main.ts, the generated client and its runtime become
// <outdir>/app.js beside a copy of index.html, so <outdir> is the whole site.
//   node build.mjs                  writes dist/
//   node build.mjs --outdir DIR     writes DIR/ (the browser test builds into its own folder)
//   node build.mjs --serve          rebuilds on change and serves http://localhost:3000, the
//                                   origin CORS_ALLOWED_ORIGINS allows by default
import { copyFile, mkdir } from "node:fs/promises";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import * as esbuild from "esbuild";

const here = fileURLToPath(new URL(".", import.meta.url));
const { values } = parseArgs({
  options: {
    outdir: { type: "string", default: join(here, "dist") },
    serve: { type: "boolean", default: false },
    port: { type: "string", default: "3000" },
  },
});
const outdir = resolve(values.outdir);

const options = {
  entryPoints: [join(here, "src", "main.ts")],
  bundle: true,
  format: "esm",
  // BigInt literals and operators: int64 fields are bigint.
  target: "es2020",
  outfile: join(outdir, "app.js"),
  sourcemap: true,
  logLevel: "warning",
};

await mkdir(outdir, { recursive: true });
await copyFile(join(here, "index.html"), join(outdir, "index.html"));
if (values.serve) {
  const context = await esbuild.context(options);
  await context.watch();
  // Loopback only: this is a development server.
  const { port } = await context.serve({
    servedir: outdir,
    host: "127.0.0.1",
    port: Number(values.port),
  });
  console.log(`Serving http://localhost:${port}/?envoy=http://127.0.0.1:8080 (Ctrl-C stops)`);
} else {
  await esbuild.build(options);
}
