import { Locator, Page } from "@playwright/test";
import { test, expect, hydrated, DEMO_PASSWORD } from "../support/fixtures";

/** Presses Tab until `target` has focus: proves it is reachable by keyboard. */
async function tabTo(page: Page, target: Locator, limit = 60): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reachable with Tab: ${target}`);
}

test("the whole agent and end-user flow works with the keyboard alone", async ({ newPage }) => {
  const agent = await newPage();
  await hydrated(agent, "/login");
  await tabTo(agent, agent.getByLabel("Email"));
  await agent.keyboard.type("alice@deskchat.test");
  await agent.keyboard.press("Tab");
  await agent.keyboard.type(DEMO_PASSWORD);
  await agent.keyboard.press("Enter");
  await agent.waitForURL("**/console");
  await expect(agent.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  const user = await newPage();
  await hydrated(user, "/widget");
  await expect(user.getByRole("option", { name: "Network" })).toBeAttached();
  await tabTo(user, user.getByLabel("Your name"));
  await user.keyboard.type("Kim Keys");
  await user.keyboard.press("Tab");
  await user.keyboard.type("kim@example.com");
  await user.keyboard.press("Tab"); // phone is optional
  await user.keyboard.press("Tab");
  await user.keyboard.type("Remote, Lisbon");
  await user.keyboard.press("Tab"); // photo is optional
  await user.keyboard.press("Tab");
  await expect(user.getByLabel("Who should help you?")).toBeFocused();
  await user.keyboard.type("Network");
  await expect(user.getByLabel("Who should help you?")).toHaveValue(/\d+/);
  await user.keyboard.press("Tab");
  await user.keyboard.type("My headset is not detected");
  await tabTo(user, user.getByRole("button", { name: "Start chat" }));
  await user.keyboard.press("Enter");
  await expect(user.getByText("Waiting for an agent of Network")).toBeVisible();

  const networkTab = agent.getByRole("tab", { name: /Network/ });
  await tabTo(agent, networkTab);
  await agent.keyboard.press("Enter");
  const accept = agent.getByRole("button", { name: "Accept chat from Kim Keys" });
  await tabTo(agent, accept);
  await agent.keyboard.press("Enter");

  // Accepting puts the cursor in the composer.
  const conversation = agent.getByRole("article", { name: "Chat with Kim Keys" });
  await expect(conversation.getByRole("textbox", { name: "Message" })).toBeFocused();
  await agent.keyboard.type("Hi Kim, which headset?");
  await agent.keyboard.press("Enter");
  await expect(user.getByRole("log")).toContainText("Hi Kim, which headset?");

  await tabTo(user, user.getByRole("textbox", { name: "Message" }));
  await user.keyboard.type("A USB one");
  await user.keyboard.press("Enter");
  await expect(conversation.getByRole("log")).toContainText("A USB one");

  // The records beside the chat: edit the Interaction, add a note, convert to an incident.
  const records = agent.getByRole("complementary", { name: "Records" });
  await tabTo(agent, records.getByLabel("Category"));
  await agent.keyboard.press("Control+A");
  await agent.keyboard.type("Headsets");
  await tabTo(agent, records.getByRole("button", { name: /^Save SD\d+$/ }));
  await agent.keyboard.press("Enter");
  await expect(records.getByText(/^Saved SD\d+\.$/)).toBeVisible();
  await tabTo(agent, records.getByLabel("Add a note (agents only)"));
  await agent.keyboard.type("Asked for the model");
  await agent.keyboard.press("Tab");
  await agent.keyboard.press("Enter");
  await expect(records.getByRole("region", { name: "Notes" })).toContainText("Asked for the model");
  await tabTo(agent, records.getByRole("button", { name: "Convert chat to incident" }));
  await agent.keyboard.press("Enter");
  await expect(records.getByRole("region", { name: "Incident" })).toContainText(/IM\d+ — My headset is not detected/);

  await tabTo(agent, conversation.getByRole("button", { name: "End session" }));
  await agent.keyboard.press("Enter");
  await expect(conversation.getByRole("button", { name: "End immediately" })).toBeFocused();
  await agent.keyboard.press("Enter");
  await expect(user.getByText("The agent ended this chat.")).toBeVisible();

  // The end user can start over from the keyboard too.
  await tabTo(user, user.getByRole("button", { name: "Start a new chat" }));
  await user.keyboard.press("Enter");
  await expect(user.getByLabel("Your name")).toBeVisible();
});
