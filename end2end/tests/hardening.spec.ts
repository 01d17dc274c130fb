import { test, expect, hydrated, logOn, startChat, fillForm, fillWidget, say } from "../support/fixtures";

// What people see when the desk's protections act (issue 8): a rate limit in the widget, a
// session that ends under an open console, a chat whose token has expired.

const user = { name: "Rita Ratelimit", email: "rita@example.com", location: "Lobby", group: "Network", question: "Is the Wi-Fi down?" };

test.describe("with one chat per minute per address", () => {
  test.use({ serverEnv: { DESKCHAT_CHATS_PER_MINUTE: "1" } });

  test("a second chat request is told how long to wait, and the form keeps what was typed", async ({ newPage }) => {
    await startChat(await newPage(), user);
    const second = await newPage();
    await hydrated(second, "/widget");
    const again = { ...user, name: "Rita Again", question: "Still down?" };
    await fillForm(second, again);
    await second.getByRole("button", { name: "Start chat" }).click();
    await expect(second.getByRole("alert").filter({ hasText: /Too many attempts from here\. Please wait \d+ seconds? and try again\./ })).toBeVisible();
    await expect(second.getByLabel("Your name")).toHaveValue(again.name);
    await expect(second.getByLabel("Your question")).toHaveValue(again.question);
  });
});

test.describe("with two messages per minute per chat", () => {
  test.use({ serverEnv: { DESKCHAT_POSTS_PER_MINUTE: "2" } });

  test("a message over the limit says why and can be sent again", async ({ newPage }) => {
    const widget = await newPage();
    await startChat(widget, user);
    await say(widget, "first");
    await say(widget, "second");
    await widget.getByLabel("Message").fill("third");
    await widget.getByLabel("Message").press("Enter");
    await expect(widget.getByText(/Too many attempts from here/)).toBeVisible();
    await expect(widget.getByRole("button", { name: /Resend/ })).toBeVisible();
  });
});

test("an agent whose session ends while the console is open is taken to the log-on page", async ({ browser, server }) => {
  // Two tabs of one browser share the session cookie: logging off in one ends it for both.
  const context = await browser.newContext({ baseURL: server.url });
  const first = await context.newPage();
  await logOn(first, "carol@deskchat.test");
  const second = await context.newPage();
  await hydrated(second, "/console");
  await expect(second.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await second.getByRole("button", { name: "Log off" }).click();
  await second.waitForURL("**/login");
  // The other tab's live console is closed by the server and goes to the log-on page.
  await first.waitForURL("**/login");
  await expect(first.getByLabel("Email")).toBeVisible();
  await context.close();
});

test.describe("when an ended chat's token opens it for no time at all", () => {
  test.use({ serverEnv: { DESKCHAT_CLOSED_CHAT_ACCESS_SECS: "0" } });

  test("the widget forgets the ended chat and offers a new one", async ({ newPage }) => {
    const widget = await newPage();
    await startChat(widget, user);
    await widget.getByRole("button", { name: "End chat" }).click();
    await expect(widget.getByRole("button", { name: "Start a new chat" })).toBeVisible();
    await widget.reload();
    await expect(widget.getByRole("alert").filter({ hasText: "This chat has ended and is closed." })).toBeVisible();
    await fillWidget(widget, { ...user, question: "One more thing" });
  });
});
