// status.test.mjs: the status page in headless Chromium, driven by
// playwright-core.  Run by tests/bats/browser.bats after it has started
// lighttpd and posted the fixtures:
//
//   node tests/browser/status.test.mjs BASE_URL SECRET OUTDIR
//
// Exits 0 when every check passes, 1 on a failed check, 77 when Chromium
// cannot start (the bats test then skips).  Leaves OUTDIR/status.png.
// EXPECT_TASKS and EXPECT_ANNOTATIONS (default 2 and 1) are the counts the
// page must show.
import { mkdirSync } from "node:fs";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const [base, secret, outdir] = process.argv.slice(2);
if (!base || !secret || !outdir) {
  console.error("usage: node status.test.mjs BASE_URL SECRET OUTDIR");
  process.exit(2);
}
const expectTasks = process.env.EXPECT_TASKS ?? "2";
const expectAnnotations = process.env.EXPECT_ANNOTATIONS ?? "1";
const executablePath = process.env.CHROMIUM ?? "/usr/bin/chromium";

let failed = 0;
function check(ok, what, detail = "") {
  console.log(`${ok ? "ok" : "not ok"} - ${what}${ok || !detail ? "" : `: ${detail}`}`);
  if (!ok) failed++;
}

const profile = mkdtempSync(join(tmpdir(), "lshook-chromium-"));
let browser;
try {
  // launchPersistentContext gives Chromium the fresh --user-data-dir.
  browser = await chromium.launchPersistentContext(profile, {
    executablePath,
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ["--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync"],
    timeout: 60000,
  });
} catch (e) {
  console.error(`chromium cannot start (${executablePath}): ${String(e.message).split("\n")[0]}`);
  rmSync(profile, { recursive: true, force: true });
  process.exit(77);
}

const errors = [];
try {
  const page = browser.pages()[0] ?? await browser.newPage();
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.setDefaultTimeout(15000);

  await page.goto(`${base}/status/`);
  await page.locator("#login").waitFor({ state: "visible" });
  check(true, "the page asks for the secret");

  // a wrong secret: a clear message, still the login form
  await page.fill("#secret", "wrong-secret-0123456789abcdef");
  await page.click("#login-form button[type=submit]");
  await page.locator("#login-error").waitFor({ state: "visible" });
  const msg = await page.textContent("#login-error");
  check(/401/.test(msg) && /not accepted/.test(msg), "a wrong secret says 401", msg);
  check(await page.isHidden("#dashboard"), "no dashboard without the secret");
  errors.length = 0;	// the 401 itself shows up as a console error

  await page.fill("#secret", secret);
  await page.click("#login-form button[type=submit]");
  await page.locator("#dashboard").waitFor({ state: "visible" });
  check(true, "the right secret shows the dashboard");

  const tasks = (await page.textContent("#count-tasks")).trim();
  check(tasks === expectTasks, `tasks count is ${expectTasks}`, `page shows ${tasks}`);
  const annotations = (await page.textContent("#count-annotations")).trim();
  check(annotations === expectAnnotations, `annotations count is ${expectAnnotations}`,
    `page shows ${annotations}`);

  const projects = await page.textContent("#projects");
  check(projects.includes("Airplane"), "the ontology shows the label Airplane", projects.slice(0, 200));

  const bars = await page.locator("#chart rect.bar").count();
  check(bars >= 1, "the chart has at least one bar", `${bars} bars`);

  const events = await page.locator("#events tbody tr").count();
  check(events >= 1, "the latest events table has rows", `${events} rows`);

  const html = await page.content();
  check(!html.includes(secret), "the secret is nowhere in the page");
  const stored = await page.evaluate(() => ({
    session: sessionStorage.length, local: localStorage.length, cookies: document.cookie,
  }));
  check(stored.session === 1 && stored.local === 0 && stored.cookies === "",
    "the secret is kept in sessionStorage only", JSON.stringify(stored));
  check(errors.length === 0, "no script errors", errors.join(" | "));

  mkdirSync(outdir, { recursive: true });
  await page.screenshot({ path: join(outdir, "status.png"), fullPage: true });
  check(true, `screenshot ${join(outdir, "status.png")}`);
} catch (e) {
  check(false, "the page test ran to its end", String(e.message).split("\n")[0]);
} finally {
  await browser.close();
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
