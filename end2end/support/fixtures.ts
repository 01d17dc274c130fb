import { test as base, expect, Page, BrowserContext, FrameLocator } from "@playwright/test";
import AxeBuilder from "@axe-core/playwright";
import { DeskchatServer } from "./server";

export const DEMO_PASSWORD = "deskchat-demo";

type Fixtures = {
  /** Extra server settings; a spec sets them with `test.use({ serverEnv: { … } })`. */
  serverEnv: Record<string, string>;
  server: DeskchatServer;
  /** Opens a fresh browser context (its own cookies and storage) on the server. */
  newPage: () => Promise<Page>;
  /** What went wrong in any page of the test (see `watchForPageErrors`); fails it at its end. */
  pageErrors: string[];
};

/** A WASM panic as the browser's console shows it: Rust's panic message (console_error_panic_hook)
 *  or the trap that follows it. */
const PANIC = /panicked|RuntimeError|unreachable/;

/** Contexts already watched (each belongs to one test). */
const watched = new WeakSet<BrowserContext>();

/** Every page of every browser context opened during a test — `page`, `newPage()`, contexts a
 *  test opens itself, popups and the frames inside them — is watched for uncaught errors
 *  (`pageerror`; e.g. wasm-bindgen's "closure invoked recursively or after being dropped") and
 *  WASM panics on the console; the test fails at its end with each of them. */
function watchForPageErrors(context: BrowserContext, errors: string[]): void {
  if (watched.has(context)) return;
  watched.add(context);
  const watch = (page: Page) => {
    page.on("pageerror", (error) => errors.push(`uncaught error on ${page.url()}: ${error.stack ?? error.message}`));
    page.on("console", (message) => {
      if (message.type() === "error" && PANIC.test(message.text())) {
        errors.push(`WASM panic on ${message.location().url || page.url()}: ${message.text()}`);
      }
    });
  };
  context.pages().forEach(watch);
  context.on("page", watch);
}

export const test = base.extend<Fixtures>({
  serverEnv: [{}, { option: true }],
  pageErrors: [
    async ({ browser }, use) => {
      const errors: string[] = [];
      const onContext = (context: BrowserContext) => watchForPageErrors(context, errors);
      browser.contexts().forEach(onContext);
      browser.on("context", onContext);
      await use(errors);
      browser.off("context", onContext);
      if (errors.length > 0) {
        throw new Error(`${errors.length} page error(s) during the test:\n${errors.map((e) => `  - ${e}`).join("\n")}`);
      }
    },
    { auto: true },
  ],
  // Playwright's own `page` lives in this context; watched even if it was made before the above.
  context: async ({ context, pageErrors }, use) => {
    watchForPageErrors(context, pageErrors);
    await use(context);
  },
  server: async ({ serverEnv }, use) => {
    const server = await DeskchatServer.start(serverEnv);
    await use(server);
    await server.stop();
  },
  newPage: async ({ browser, server }, use) => {
    const contexts: BrowserContext[] = [];
    await use(async () => {
      const context = await browser.newContext({ baseURL: server.url });
      contexts.push(context);
      return context.newPage();
    });
    for (const context of contexts) await context.close();
  },
});

export { expect };

export async function hydrated(page: Page, path: string): Promise<void> {
  await page.goto(path);
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
}

/** Logs an agent on and waits for the live console. */
export async function logOn(page: Page, email: string): Promise<void> {
  await hydrated(page, "/login");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  // Enabled once the WASM runs the page (the form cannot be sent before).
  await expect(page.getByRole("button", { name: "Log on" })).toBeEnabled();
  await page.getByLabel("Password").press("Enter");
  await page.waitForURL("**/console");
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
}

export type EndUser = { name: string; email: string; location: string; group: string; question: string };

/** Fills the widget form and starts a chat; waits until the user is told they are waiting. */
export async function startChat(page: Page, user: EndUser): Promise<void> {
  await hydrated(page, "/widget");
  await fillWidget(page, user);
}

/** The form part of `startChat`, for a widget page or a widget inside an iframe. */
export async function fillWidget(page: Page | FrameLocator, user: EndUser): Promise<void> {
  await fillForm(page, user);
  await page.getByRole("button", { name: "Start chat" }).click();
  await expect(page.getByText(`Waiting for an agent of ${user.group}`)).toBeVisible();
}

/** Types `user` into the widget's form without sending it. */
export async function fillForm(page: Page | FrameLocator, user: EndUser): Promise<void> {
  await page.getByLabel("Your name").fill(user.name);
  await page.getByLabel("Email").fill(user.email);
  await page.getByLabel("Location").fill(user.location);
  await page.getByLabel("Who should help you?").selectOption({ label: user.group });
  await page.getByLabel("Your question").fill(user.question);
}

/** An end user in the widget and an agent with that user's chat open, ready to talk. */
export async function acceptedChat(newPage: () => Promise<Page>, user: EndUser, agentEmail = "alice@deskchat.test") {
  const agent = await newPage();
  await logOn(agent, agentEmail);
  const widget = await newPage();
  await startChat(widget, user);
  await agent.getByRole("tab", { name: new RegExp(user.group) }).click();
  await agent.getByRole("button", { name: `Accept chat from ${user.name}` }).click();
  const conversation = agent.getByRole("article", { name: `Chat with ${user.name}` });
  await expect(conversation).toBeVisible();
  await expect(widget.getByText(/joined the chat\./)).toBeVisible();
  return { agent, widget, conversation };
}

/** Posts like `say`, then waits until the server acknowledged it (no longer pending), so a
 *  next post from another browser cannot overtake it. */
export async function post(scope: Page | ReturnType<Page["locator"]>, text: string): Promise<void> {
  await say(scope, text);
  await expect(scope.locator(".message:not(.pending)").filter({ hasText: text })).toHaveCount(1);
}

/** Types into a composer and posts with Enter. */
export async function say(scope: Page | ReturnType<Page["locator"]>, text: string): Promise<void> {
  const box = scope.getByRole("textbox", { name: "Message" });
  await box.fill(text);
  await box.press("Enter");
  await expect(box).toHaveValue("");
}

/** As an admin already logged on in `admin`: turns on "How was this chat?" for `group`. */
export async function askForRatings(admin: Page, group: string): Promise<void> {
  await hydrated(admin, "/admin/groups");
  await admin.getByRole("button", { name: `Chat settings of ${group}` }).click();
  const form = admin.getByRole("form", { name: `Chat settings of ${group}` });
  await form.getByRole("checkbox", { name: /How was this chat\?/ }).check();
  await form.getByRole("button", { name: "Save chat settings" }).click();
  await expect(admin.getByRole("listitem").filter({ hasText: "asks for a rating" })).toBeVisible();
}

/** axe-core's findings on the page as it is now (WCAG 2.0/2.1 A and AA, best practices), one
 *  line each: a test expects none. */
export async function violations(page: Page): Promise<string[]> {
  const results = await new AxeBuilder({ page }).withTags(["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"]).analyze();
  return results.violations.map((v) => `${v.id} (${v.impact}): ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
