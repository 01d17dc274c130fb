import { test, expect, hydrated, logOn, startChat, DEMO_PASSWORD } from "../support/fixtures";

test("the console arrives rendered with the queue and hydrates without fetching it again", async ({ newPage }) => {
  const widget = await newPage();
  await startChat(widget, { name: "Sam Server", email: "sam@example.com", location: "HQ", group: "Network", question: "Rendered on the server?" });
  const agent = await newPage();
  await logOn(agent, "carol@deskchat.test");

  const snapshotCalls: string[] = [];
  agent.on("request", (request) => {
    if (request.url().includes("/api/load_console")) snapshotCalls.push(request.url());
  });
  // A fresh page load: the HTML already holds the waiting request…
  const response = await agent.reload();
  const html = await response!.text();
  expect(html).toContain("Rendered on the server?");
  expect(html).not.toContain("Loading the console");
  // …and the hydrated console goes live from there, without asking for the snapshot again.
  await expect(agent.locator("body[data-hydrated=true]")).toBeAttached();
  await expect(agent.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(agent.getByRole("button", { name: "Accept chat from Sam Server" })).toBeVisible();
  expect(snapshotCalls).toEqual([]);

  // Its stylesheet is linked by its hashed name, and served to be cached for good.
  const stylesheet = await agent.locator('link[rel="stylesheet"]').getAttribute("href");
  expect(stylesheet).toMatch(/^\/pkg\/deskchat\.[\w-]+\.css$/);
  const css = await agent.request.get(stylesheet!);
  expect(css.ok()).toBeTruthy();
  expect(css.headers()["cache-control"]).toBe("public, max-age=31536000, immutable");

  // Live on top of the rendered snapshot: a new request arrives without a reload.
  const second = await newPage();
  await startChat(second, { name: "Lea Live", email: "lea@example.com", location: "HQ", group: "Network", question: "And me?" });
  await expect(agent.getByRole("button", { name: "Accept chat from Lea Live" })).toBeVisible();
});

test("wrong passwords are refused on the log-on page (the form stays usable) and the right one opens the console", async ({ newPage }) => {
  const page = await newPage();
  await hydrated(page, "/login");
  await page.getByLabel("Email").fill("alice@deskchat.test");
  const alert = page.getByRole("alert").filter({ hasText: "The email or password is not right." });
  for (const attempt of ["wrong-1", "wrong-2"]) {
    await page.getByLabel("Password").fill(attempt);
    await page.getByRole("button", { name: "Log on" }).click();
    await expect(alert).toBeVisible();
    await expect(page).toHaveURL(/\/login$/);
  }
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByLabel("Password").press("Enter");
  await page.waitForURL("**/console");
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
});
