import assert from "node:assert/strict";
import { assetsModuleText, consoleFiles, GENERATED } from "./generate_assets.ts";
import { CONSOLE_ASSETS } from "./assets.generated.ts";

Deno.test("console/assets.generated.ts matches console/web/ and the npm packages (deno task console-assets)", async () => {
  const expected = await assetsModuleText(await consoleFiles());
  assert.ok(
    expected === await Deno.readTextFile(GENERATED),
    "console/assets.generated.ts is stale: run `deno task console-assets`",
  );
});

Deno.test("CONSOLE_ASSETS holds the pages, xterm.js and noVNC as modules the page imports", () => {
  for (const name of ["index.html", "app.js", "api.js", "xterm.js", "xterm.css", "novnc.js"]) {
    assert.ok(CONSOLE_ASSETS[name], name);
  }
  assert.equal(CONSOLE_ASSETS["novnc.js"]!.type, "text/javascript; charset=utf-8");
});
