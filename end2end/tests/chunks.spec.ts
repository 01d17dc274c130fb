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
