import { test, expect, logOn, acceptedChat, hydrated } from "../support/fixtures";

const erin = { name: "Erin Enduser", email: "erin@example.com", location: "Head office", group: "Network", question: "My VPN drops" };

test("an agent keeps canned messages on their screen: add, edit, delete", async ({ newPage }) => {
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  await agent.getByRole("link", { name: "Canned messages" }).click();
  await expect(agent.getByRole("heading", { name: "Canned messages", level: 1 })).toBeVisible();
  await expect(agent.getByText("No canned messages yet.")).toBeVisible();

  await agent.getByLabel("Category").fill("Greetings");
  await agent.getByLabel("Title").fill("Hello");
  await agent.getByLabel("Text").fill("Hello {end_user}, this is {agent}.");
  await agent.getByLabel("For").selectOption({ label: "Group: Network" });
  await agent.getByRole("button", { name: "Add canned message" }).click();
  const greetings = agent.getByRole("region", { name: "Greetings" });
  await expect(greetings.getByRole("heading", { name: "Hello" })).toBeVisible();
  await expect(greetings.getByText("For: Network")).toBeVisible();

  await greetings.getByRole("button", { name: "Edit Hello" }).click();
  await agent.getByLabel("Title").fill("Hello there");
  await agent.getByRole("button", { name: "Save changes" }).click();
  await expect(greetings.getByRole("heading", { name: "Hello there" })).toBeVisible();

  // An empty title is refused before anything is sent.
  await agent.getByLabel("Text").fill("Anything");
  await agent.getByRole("button", { name: "Add canned message" }).click();
  await expect(agent.getByRole("alert").filter({ hasText: "Give the canned message a title." })).toBeVisible();

  await greetings.getByRole("button", { name: "Delete Hello there" }).click();
  await expect(agent.getByText("No canned messages yet.")).toBeVisible();
  // It is gone for good.
  await hydrated(agent, "/canned");
  await expect(agent.getByText("No canned messages yet.")).toBeVisible();
});

test("typing / in a chat offers canned messages; one is chosen, filled in and sent with the keyboard only", async ({ newPage }) => {
  const setup = await newPage();
  await logOn(setup, "alice@deskchat.test");
  await hydrated(setup, "/canned");
  for (const [title, text] of [["Greeting", "Hello {end_user}, {agent} here. How can I help?"], ["Reset VPN", "Please restart the VPN client, {end_user}."]]) {
    await setup.getByLabel("Title").fill(title);
    await setup.getByLabel("Text").fill(text);
    await setup.getByRole("button", { name: "Add canned message" }).click();
    await expect(setup.getByRole("heading", { name: title })).toBeVisible();
  }

  const { widget, conversation } = await acceptedChat(newPage, erin);
  const box = conversation.getByRole("textbox", { name: "Message" });
  await expect(box).toBeFocused();
  await box.page().keyboard.type("/");
  const list = conversation.getByRole("listbox", { name: "Canned messages" });
  await expect(list.getByRole("option")).toHaveCount(2);
  await box.page().keyboard.type("vpn");
  await expect(list.getByRole("option")).toHaveCount(1);
  await box.page().keyboard.press("Escape");
  await expect(list).toHaveCount(0);
  await expect(box).toHaveValue("/vpn");

  // Again, from the start: Down moves to the second entry, Enter puts it in the box.
  await box.page().keyboard.press("Control+A");
  await box.page().keyboard.press("Backspace");
  await box.page().keyboard.type("/");
  await expect(list.getByRole("option")).toHaveCount(2);
  await box.page().keyboard.press("ArrowDown");
  await expect(list.getByRole("option", { name: /Reset VPN/ })).toHaveAttribute("aria-selected", "true");
  await box.page().keyboard.press("ArrowUp");
  await expect(list.getByRole("option", { name: /Greeting/ })).toHaveAttribute("aria-selected", "true");
  await box.page().keyboard.press("Enter");
  await expect(box).toHaveValue("Hello Erin Enduser, Alice Agent here. How can I help?");
  await expect(list).toHaveCount(0);
  // Still editable before sending.
  await box.page().keyboard.type(" :)");
  await box.page().keyboard.press("Enter");
  await expect(widget.getByRole("log")).toContainText("Hello Erin Enduser, Alice Agent here. How can I help? :)");
});
