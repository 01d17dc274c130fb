import { test, expect, logOn, startChat, say, post, acceptedChat } from "../support/fixtures";

const nina = {
  name: "Nina Network",
  email: "nina@example.com",
  location: "Berlin office",
  group: "Network",
  question: "The VPN drops every hour",
};

test("an end user starts a chat, an agent of the group accepts it live, they talk, the agent ends it", async ({ newPage }) => {
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  await agent.getByRole("tab", { name: /Network/ }).click();
  await expect(agent.getByText("No chat requests are waiting in this group.")).toBeVisible();

  const user = await newPage();
  await startChat(user, nina);
  await expect(user.getByText("You are number 1 in the queue.")).toBeVisible();

  // The request arrives without a reload, with a badge and the count in the title.
  const card = agent.locator(".request").filter({ hasText: nina.name });
  await expect(card).toContainText(nina.question);
  await expect(card).toContainText("Network");
  await expect(card.locator(".waited")).toHaveText(/\d+ s/);
  await expect(agent.getByRole("tab", { name: /Network/ }).locator(".badge")).toHaveText("1");
  await expect(agent).toHaveTitle("(1) Deskchat console");

  await agent.getByRole("button", { name: `Accept chat from ${nina.name}` }).click();
  const conversation = agent.getByRole("article", { name: `Chat with ${nina.name}` });
  await expect(conversation.getByRole("heading", { name: nina.name })).toBeVisible();
  await expect(conversation.locator(".conversation-header .question")).toHaveText(nina.question);
  await expect(conversation.getByRole("img", { name: "Nina Network (no photo)" })).toBeVisible();
  await expect(agent).toHaveTitle("Deskchat console");
  await expect(user.getByText("Alice Agent joined the chat.")).toBeVisible();

  // Shift+Enter starts a new line, Enter posts.
  const box = conversation.getByRole("textbox", { name: "Message" });
  await box.pressSequentially("Hello Nina");
  await box.press("Shift+Enter");
  await box.pressSequentially("Which VPN client do you use?");
  await box.press("Enter");
  await expect(box).toHaveValue("");
  const fromAgent = user.getByRole("log").locator(".message.agent");
  await expect(fromAgent).toHaveCount(1);
  await expect(fromAgent.locator(".body")).toHaveJSProperty("textContent", "Hello Nina\nWhich VPN client do you use?");
  await expect(fromAgent.locator(".author")).toHaveText("Alice Agent");
  // In the browser's locale (Intl): 14:05, or 02:05 PM in en-US.
  await expect(fromAgent.locator("time")).toHaveText(/^\d\d:\d\d(\s?[AP]M)?$/);

  // Whitespace only is not sent; the user is told why.
  const userBox = user.getByRole("textbox", { name: "Message" });
  await userBox.fill("   ");
  await userBox.press("Enter");
  await expect(user.getByText("A message cannot be empty.")).toBeVisible();

  // Text is text: markup arrives verbatim, never as HTML.
  await say(user, "GlobalProtect <b>6.1</b>");
  const fromUser = conversation.getByRole("log").locator(".message.end-user");
  await expect(fromUser.locator(".body")).toHaveText("GlobalProtect <b>6.1</b>");
  await expect(fromUser.locator("b")).toHaveCount(0);

  await conversation.getByRole("button", { name: "End session" }).click();
  await conversation.getByRole("button", { name: "End immediately" }).click();
  await expect(conversation.getByText("This chat has ended.")).toBeVisible();
  await expect(conversation.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(user.getByText("The agent ended this chat.")).toBeVisible();
  await expect(user.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  // Both transcripts stay readable.
  await expect(user.getByRole("log")).toContainText("GlobalProtect <b>6.1</b>");
  await expect(conversation.getByRole("log")).toContainText("Which VPN client do you use?");
});

test("an accepted request leaves every other agent's panel live", async ({ newPage }) => {
  const carol = await newPage(); // Network only: sees the request too
  await logOn(carol, "carol@deskchat.test");
  await carol.getByRole("tab", { name: /Network/ }).click();
  const { agent } = await acceptedChat(newPage, { ...nina, name: "Nils Taken" });
  await expect(agent.getByRole("tab", { name: /My chats/ }).locator(".badge")).toHaveText("1");
  await expect(carol.locator(".request").filter({ hasText: "Nils Taken" })).toHaveCount(0);
  await expect(carol.getByRole("tab", { name: /Network/ }).locator(".badge")).toHaveText("0");
  await expect(carol).toHaveTitle("Deskchat console");
});

test("the end user ends the chat and the agent sees it ended", async ({ newPage }) => {
  const { widget, conversation } = await acceptedChat(newPage, { ...nina, name: "Edda Ender" });
  // Posting and ending are separate requests: let the post be acknowledged first.
  await post(widget, "Solved it myself, thanks!");
  await widget.getByRole("button", { name: "End chat" }).click();
  await expect(widget.getByText("You ended this chat.")).toBeVisible();
  await expect(widget.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(conversation.getByText("The end user ended this chat.")).toBeVisible();
  await expect(conversation.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(conversation.getByRole("button", { name: "End session" })).toHaveCount(0);
  await expect(conversation.getByRole("log")).toContainText("Solved it myself, thanks!");
});

test("a reload of the widget resumes the same chat", async ({ newPage }) => {
  const user = await newPage();
  await startChat(user, nina);
  await say(user, "Are you there?");
  await expect(user.locator(".message.end-user:not(.pending)")).toHaveCount(1);
  const record = await user.locator(".chat-status .record").textContent();
  await user.reload();
  await expect(user.locator(".chat-status .record")).toHaveText(record ?? "");
  await expect(user.locator(".message.end-user")).toHaveCount(1);
  await expect(user.getByText("You are number 1 in the queue.")).toBeVisible();
});

test("bad widget input is refused next to the field and creates nothing", async ({ newPage }) => {
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  const user = await newPage();
  await user.goto("/widget");
  await expect(user.locator("body[data-hydrated=true]")).toBeAttached();
  await user.getByLabel("Email").fill("not-an-email");
  await user.getByLabel("Your question").fill("x".repeat(4001));
  await user.getByRole("button", { name: "Start chat" }).click();
  await expect(user.locator("#user-name-error")).toHaveText("Please tell us your name.");
  await expect(user.locator("#user-email-error")).toContainText("does not look like an email");
  await expect(user.locator("#user-group-error")).toHaveText("Please choose who should help you.");
  await expect(user.locator("#user-question-error")).toContainText("at most 4000 characters");
  await expect(user.getByLabel("Email")).toHaveAttribute("aria-invalid", "true");
  // What was typed is kept.
  await expect(user.getByLabel("Email")).toHaveValue("not-an-email");
  await agent.getByRole("tab", { name: /Service Desk/ }).click();
  await expect(agent.getByRole("tab", { name: /Service Desk/ }).locator(".badge")).toHaveText("0");
  await expect(agent.getByRole("tab", { name: /Network/ }).locator(".badge")).toHaveText("0");
});

test("the widget page loads the widget's own WASM, the console the whole app's", async ({ newPage }) => {
  const wasm = (page: import("@playwright/test").Page) => {
    const loaded: string[] = [];
    page.on("request", (request) => {
      const path = new URL(request.url()).pathname;
      if (path.endsWith(".wasm")) loaded.push(path);
    });
    return loaded;
  };
  const widget = await newPage();
  const widgetWasm = wasm(widget);
  await widget.goto("/widget");
  await expect(widget.locator("body[data-hydrated=true]")).toBeAttached();
  expect(widgetWasm).toHaveLength(1);
  expect(widgetWasm[0]).toMatch(/^\/pkg\/widget\.[\w-]+\.wasm$/);

  const agent = await newPage();
  const consoleWasm = wasm(agent);
  await logOn(agent, "carol@deskchat.test");
  expect(consoleWasm.every((path) => /^\/pkg\/deskchat\.[\w-]+\.wasm$/.test(path))).toBe(true);
  expect(consoleWasm.length).toBeGreaterThan(0);
});
