import { test, expect, logOn, startChat, say } from "../support/fixtures";

// Records desktop notifications and chimes instead of showing / playing them.
const spyOnAlerts = () => {
  const w = window as any;
  w.__notifications = [];
  w.__chimes = 0;
  const RealNotification = w.Notification;
  w.Notification = class extends RealNotification {
    constructor(title: string, options?: NotificationOptions) {
      super(title, options);
      w.__notifications.push({ title, body: options?.body });
    }
  };
  const RealAudioContext = w.AudioContext;
  w.AudioContext = class extends RealAudioContext {
    constructor(...args: any[]) {
      super(...args);
      w.__chimes += 1;
    }
  };
};

test("a new request chimes and raises a desktop notification when permitted", async ({ browser, server, newPage }) => {
  const context = await browser.newContext({ baseURL: server.url });
  await context.grantPermissions(["notifications"], { origin: server.url });
  await context.addInitScript(spyOnAlerts);
  const agent = await context.newPage();
  await logOn(agent, "carol@deskchat.test");
  // Permission is already granted, so no prompt button.
  await expect(agent.getByRole("button", { name: "Enable desktop notifications" })).toHaveCount(0);

  const user = await newPage();
  await startChat(user, { name: "Ned Notify", email: "ned@example.com", location: "Rome", group: "Network", question: "DNS fails" });
  await expect(agent.locator(".request").filter({ hasText: "Ned Notify" })).toBeVisible();
  await expect.poll(() => agent.evaluate(() => (window as any).__notifications)).toEqual([
    { title: "New chat request — Network", body: "Ned Notify: DNS fails" },
  ]);
  await expect.poll(() => agent.evaluate(() => (window as any).__chimes)).toBe(1);
  await context.close();
});

test("an agent holds several chats, switches between them, and sees unread counts", async ({ newPage }) => {
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  const first = await newPage();
  await startChat(first, { name: "Una First", email: "una@example.com", location: "Oslo", group: "Network", question: "Mail is slow" });
  const second = await newPage();
  await startChat(second, { name: "Otto Second", email: "otto@example.com", location: "Bern", group: "Service Desk", question: "Password expired" });

  await agent.getByRole("tab", { name: /Network/ }).click();
  await agent.getByRole("button", { name: "Accept chat from Una First" }).click();
  await expect(agent.getByRole("article", { name: "Chat with Una First" })).toBeVisible();
  await agent.getByRole("tab", { name: /Service Desk/ }).click();
  await agent.getByRole("button", { name: "Accept chat from Otto Second" }).click();
  await expect(agent.getByRole("article", { name: "Chat with Otto Second" })).toBeVisible();
  await expect(agent.getByRole("tab", { name: /My chats/ }).locator(".badge")).toHaveText("2");

  // A message in the chat not on screen is counted as unread.
  await say(first, "Still slow, 2 minutes per mail");
  const switchToFirst = agent.getByRole("button", { name: /^Una First · CR\d+ \(1 unread\)$/ });
  await expect(switchToFirst).toBeVisible();
  await expect(switchToFirst.locator(".badge")).toHaveText("1");
  await switchToFirst.click();
  const firstChat = agent.getByRole("article", { name: "Chat with Una First" });
  await expect(firstChat.getByRole("log")).toContainText("Still slow, 2 minutes per mail");
  await expect(agent.getByRole("button", { name: /^Una First · CR\d+$/ })).toBeVisible();
  await expect(agent.locator(".my-chats .badge")).toHaveCount(0);

  // Each chat keeps its own conversation.
  await say(firstChat, "Looking into it, Una");
  await agent.getByRole("button", { name: /^Otto Second · CR\d+/ }).click();
  await expect(agent.getByRole("article", { name: "Chat with Otto Second" }).getByRole("log")).not.toContainText("Looking into it");
  await expect(first.getByRole("log")).toContainText("Looking into it, Una");
  await expect(second.getByRole("log")).not.toContainText("Looking into it");
});
