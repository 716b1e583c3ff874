/**
 * A headless Debian chromium driven by npm playwright-core, for the web console's tests: flags
 * that keep it off every network but loopback, a fresh profile (playwright makes one per
 * launch), the stack's self-signed serving certificate accepted, and page errors collected.
 */
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { browserNetns } from "./browser_netns.ts";
import { CHROMIUM, CHROMIUM_FLAGS } from "./chromium.ts";

/**
 * Runs `fn` with a browser that reaches the console at `url`, always closing it. The browser runs
 * in a network namespace of its own (browser_netns.ts), where VMs starting on the host do not
 * make it abort its requests.
 */
export async function withBrowser<T>(
  url: string,
  fn: (browser: Browser) => Promise<T>,
): Promise<T> {
  const netns = await browserNetns(CHROMIUM, Number(new URL(url).port));
  try {
    const browser = await chromium.launch({
      executablePath: netns.executablePath,
      headless: true,
      args: CHROMIUM_FLAGS,
    });
    try {
      return await fn(browser);
    } finally {
      await browser.close();
    }
  } finally {
    await netns.close();
  }
}

/** A page in a fresh context (its own storage) whose errors are printed and kept. */
export async function freshPage(
  browser: Browser,
): Promise<{ context: BrowserContext; page: Page; errors: string[]; pending: Set<string> }> {
  const context = await browser.newContext({
    ignoreHTTPSErrors: true,
    viewport: { width: 1280, height: 720 },
  });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => {
    errors.push(error.message);
    console.log(`[page error] ${error.message}`);
  });
  page.on("console", (message) => {
    if (message.type() === "error") console.log(`[page console] ${message.text()}`);
  });
  // What the page asked for and has not got, for a failure's message.
  const pending = new Set<string>();
  page.on("request", (request) => pending.add(request.url()));
  page.on("requestfinished", (request) => pending.delete(request.url()));
  page.on("requestfailed", (request) => {
    pending.delete(request.url());
    console.log(`[page request failed] ${request.url()}: ${request.failure()?.errorText}`);
  });
  pages.set(page, pending);
  return { context, page, errors, pending };
}

const pages = new WeakMap<Page, Set<string>>();

/**
 * The page's document, for functions that run in the page (playwright sends their source, so
 * they name nothing outside themselves): Deno's checker knows no DOM types, and the console's
 * CSP forbids evaluating strings instead.
 */
interface PageDocument {
  getElementById(id: string): { textContent: string | null } | null;
  querySelector(selector: string): { textContent: string | null } | null;
}
type InPage = { document: PageDocument };

/** Signs in to the console at `url` with `token`; resolves once the user's name shows. */
export async function signIn(page: Page, url: string, token: string): Promise<string> {
  // Chromium aborts requests in flight when the host's interfaces change (ERR_NETWORK_CHANGED),
  // and starting a VM adds interfaces: a page whose modules were cut is loaded again.
  for (let attempt = 1;; attempt++) {
    // From a blank page, so that a retry loads the document again: a URL that differs from the
    // current one only in its fragment would be a same-document navigation, reloading nothing.
    await page.goto("about:blank");
    await page.goto(url);
    try {
      await page.waitForSelector("#token", { state: "visible", timeout: 15_000 });
      break;
    } catch (error) {
      const pending = [...(pages.get(page) ?? [])].join(", ") || "none";
      if (attempt < 3) {
        console.log(`The sign-in form did not show (attempt ${attempt}): loading the page again`);
        continue;
      }
      throw new Error(`The sign-in form did not show (requests pending: ${pending})`, {
        cause: error,
      });
    }
  }
  // Set as a value, not typed: playwright's call logs would print a typed token.
  await page.locator("#token").evaluate(
    (el, value) => (el as { value: string }).value = value,
    token,
  );
  await page.click("#signin button[type=submit]");
  await page.waitForFunction(() =>
    (globalThis as unknown as InPage).document.getElementById("who")?.textContent !== ""
  );
  return (await page.textContent("#who")) ?? "";
}

/** Waits until the text of `selector` is `text` (the page updates it from a watch). */
export async function waitForText(page: Page, selector: string, text: string, timeout = 120_000) {
  await page.waitForFunction(
    ([s, t]) =>
      (globalThis as unknown as InPage).document.querySelector(s!)?.textContent?.trim() === t,
    [selector, text],
    { timeout, polling: 200 },
  );
}

/** Waits until the text of `selector` matches `pattern`; answers that text. */
export async function waitForMatch(
  page: Page,
  selector: string,
  pattern: RegExp,
  timeout = 120_000,
): Promise<string> {
  await page.waitForFunction(
    ([s, source, flags]) =>
      new RegExp(source!, flags).test(
        (globalThis as unknown as InPage).document.querySelector(s!)?.textContent ?? "",
      ),
    [selector, pattern.source, pattern.flags],
    { timeout, polling: 200 },
  );
  return (await page.textContent(selector)) ?? "";
}
