// Drives the demo page in headless Chromium the way a person would, for tests/test_browser.py:
// creates an Item with the given balance, creates and deletes a second one, reloads (so the
// list comes from the server again) and prints what the page showed as one JSON line.
//   node e2e/drive.mjs --url URL --browser CHROMIUM --screenshot FILE --sku SKU --balance N
// playwright-core drives the system's Chromium: it never downloads a browser of its own.
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { chromium } from "playwright-core";

const { values: args } = parseArgs({
  options: {
    url: { type: "string" },
    browser: { type: "string" },
    screenshot: { type: "string" },
    sku: { type: "string" },
    balance: { type: "string" },
  },
});
for (const name of ["url", "browser", "screenshot", "sku", "balance"]) {
  if (!args[name]) throw new Error(`--${name} is required`);
}

// Playwright adds --headless. --no-sandbox: CI runs as root. The rest keep Chromium from
// calling Google's services, which a closed network refuses at every start.
const FLAGS = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

async function settled(page) {
  // The page sets data-state on #status: busy while a call runs, then ready or error.
  const status = page.locator("#status:not([data-state='busy'])");
  await status.waitFor();
  if ((await status.getAttribute("data-state")) === "error") {
    throw new Error(`the page reported an error: ${await status.textContent()}`);
  }
}

async function create(page, sku, balance) {
  await page.fill("#sku", sku);
  await page.fill("#balance", balance);
  await page.click("#add");
  // The new row, or an error the page reports.
  await page.locator(`tr[data-sku="${sku}"], #status[data-state='error']`).first().waitFor();
  await settled(page);
  return page.locator("#status").textContent();
}

async function balanceOf(page, sku) {
  return page.locator(`tr[data-sku="${sku}"] td[data-field="balanceMicros"]`).textContent();
}

// A fresh profile each run (--user-data-dir), removed afterwards.
const profile = await mkdtemp(join(tmpdir(), "chromium-profile-"));
const context = await chromium.launchPersistentContext(profile, {
  executablePath: args.browser,
  headless: true,
  args: FLAGS,
  viewport: { width: 1000, height: 480 },
});
context.setDefaultTimeout(20_000);
try {
  const page = context.pages()[0] ?? (await context.newPage());
  const problems = [];
  page.on("pageerror", (error) => problems.push(String(error)));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(message.text());
  });

  await page.goto(args.url);
  await settled(page);
  const message = await create(page, args.sku, args.balance);
  const created = await balanceOf(page, args.sku);

  const temporary = `${args.sku}-temporary`;
  await create(page, temporary, "1");
  await page.click(`tr[data-sku="${temporary}"] button.delete`);
  await page.locator(`tr[data-sku="${temporary}"]`).waitFor({ state: "detached" });
  await settled(page);

  await page.reload();
  await settled(page);
  const reloaded = await balanceOf(page, args.sku);
  const skus = await page.locator("tbody tr").evaluateAll((rows) => rows.map((r) => r.dataset.sku));
  await page.screenshot({ path: args.screenshot, fullPage: true });

  console.log(JSON.stringify({ message, created, reloaded, skus, deleted: temporary, problems }));
} finally {
  await context.close();
  await rm(profile, { recursive: true, force: true });
}
