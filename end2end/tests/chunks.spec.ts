import { test, expect, logOn, startChat, Page } from "../support/fixtures";
import { hydrated } from "../support/fixtures";

/** Every `.wasm` file the page fetches, in order (the main module, then lazy chunks). */
function wasmRequests(page: Page): string[] {
  const seen: string[] = [];
  page.on("request", (request) => {
    const path = new URL(request.url()).pathname;
    if (path.endsWith(".wasm")) seen.push(path);
  });
  return seen;
}

const olga = {
  name: "Olga Office",
  email: "olga@example.com",
  location: "Vienna",
  group: "Network",
  question: "The printer on floor 2 is offline",
};

test("the widget's form loads without the chat's code, which comes when the chat starts", async ({ newPage }) => {
  const user = await newPage();
  const wasm = wasmRequests(user);
  await hydrated(user, "/widget");
  await expect(user.getByRole("button", { name: "Start chat" })).toBeEnabled();
  expect(wasm).toHaveLength(1);
  expect(wasm[0]).toMatch(/\/pkg\/widget\.[^/]*\.wasm$/);

  await startChat(user, olga);
  await expect(user.getByText("You are number 1 in the queue.")).toBeVisible();
  expect(wasm.length).toBeGreaterThan(1);

  // A reload resumes the chat: the chunk is fetched at once for a visitor holding a chat.
  const before = wasm.length;
  await user.reload();
  await expect(user.getByText("You are number 1 in the queue.")).toBeVisible();
  expect(wasm.length).toBeGreaterThan(before + 1);
});

test("the console loads without the records, canned messages and admin pages, which come when first opened", async ({ newPage }) => {
  const agent = await newPage();
  const wasm = wasmRequests(agent);
  await logOn(agent, "alice@deskchat.test");
  const atConsole = [...new Set(wasm)].length;

  await agent.getByRole("link", { name: "Records" }).click();
  await expect(agent.getByRole("heading", { name: "Records" })).toBeVisible();
  expect([...new Set(wasm)].length).toBeGreaterThan(atConsole);
});

test("the widget links its own stylesheet and title, without the agents' styles; the console's holds the widget's too", async ({ newPage }) => {
  const user = await newPage();
  await hydrated(user, "/widget");
  // Its title is the page's own, written by the server (the widget's WASM carries no leptos_meta).
  await expect(user).toHaveTitle("Deskchat");
  const href = await user.locator('link[rel="stylesheet"]').getAttribute("href");
  expect(href).toMatch(/^\/pkg\/widget\.[\w-]+\.css$/);
  const widgetCss = await user.request.get(href!);
  expect(widgetCss.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");
  const widgetRules = await widgetCss.text();
  expect(widgetRules).toContain(".widget-page");
  expect(widgetRules).not.toContain(".console-body");
  // Applied: the page column and the form's fields are laid out by it.
  await expect(user.locator(".widget-page")).toHaveCSS("max-width", "640px");
  await expect(user.locator(".start-form")).toHaveCSS("display", "grid");

  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  const consoleHref = await agent.locator('link[rel="stylesheet"]').getAttribute("href");
  const consoleRules = await (await agent.request.get(consoleHref!)).text();
  // Bundled when built: one file, no `@import` left for the browser to fetch.
  expect(consoleRules).not.toContain("@import");
  expect(consoleRules).toContain(".console-body");
  expect(consoleRules).toContain(".message");
  await expect(agent.locator(".console-body")).toHaveCSS("display", "grid");
});
