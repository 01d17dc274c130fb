import { test, expect, hydrated, logOn, acceptedChat, startChat, violations } from "../support/fixtures";

// axe-core (WCAG 2.x A and AA rules) on every screen, in the states a user meets them.

const user = { name: "Ava Axe", email: "ava@example.com", location: "Home", group: "Network", question: "Is this accessible?" };

test("the log-on page, the widget form and the empty console have no violations", async ({ newPage }) => {
  const page = await newPage();
  await hydrated(page, "/login");
  expect(await violations(page)).toEqual([]);
  await hydrated(page, "/widget");
  await expect(page.getByRole("option", { name: "Network" })).toBeAttached();
  expect(await violations(page)).toEqual([]);
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  expect(await violations(agent)).toEqual([]);
});

test("the widget in each of its languages, its form errors shown, has no violations", async ({ newPage }) => {
  const page = await newPage();
  for (const [lang, start] of [["de", "Chat starten"], ["fr", "Démarrer le chat"], ["es", "Iniciar chat"]]) {
    await hydrated(page, `/widget?lang=${lang}`);
    await expect(page.locator("html")).toHaveAttribute("lang", lang);
    await expect(page.getByRole("option", { name: "Network" })).toBeAttached();
    await page.getByRole("button", { name: start }).click();
    await expect(page.locator("#user-name-error")).not.toBeEmpty();
    expect(await violations(page)).toEqual([]);
  }
});

test("a waiting request in the queue and an open chat on both sides have no violations", async ({ newPage }) => {
  const agent = await newPage();
  await logOn(agent, "carol@deskchat.test");
  const waiting = await newPage();
  await startChat(waiting, user);
  await agent.getByRole("tab", { name: /Network/ }).click();
  await expect(agent.getByRole("button", { name: `Accept chat from ${user.name}` })).toBeVisible();
  expect(await violations(agent)).toEqual([]);
  expect(await violations(waiting)).toEqual([]);

  const { agent: alice, widget, conversation } = await acceptedChat(newPage, { ...user, name: "Bo Browser" });
  await conversation.getByRole("textbox", { name: "Message" }).fill("Hello there");
  await conversation.getByRole("textbox", { name: "Message" }).press("Enter");
  await expect(widget.getByRole("log")).toContainText("Hello there");
  expect(await violations(alice)).toEqual([]);
  expect(await violations(widget)).toEqual([]);
});

test("the records, record, canned-message and admin pages (settings, agents, groups, audit log) have no violations", async ({ newPage }) => {
  const { agent } = await acceptedChat(newPage, user, "admin@deskchat.test");
  for (const path of ["/records", "/records/SD00001", "/records/CR00001", "/canned", "/admin/settings", "/admin/agents", "/admin/groups", "/admin/audit"]) {
    await hydrated(agent, path);
    await expect(agent.getByRole("heading", { level: 1 })).toBeVisible();
    expect(await violations(agent), path).toEqual([]);
  }
});
