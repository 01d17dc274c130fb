import { test, expect, logOn, startChat, violations } from "../support/fixtures";

// Issue 17: an admin takes a waiting request out of the queue and gives it to an online agent
// of its group, from the console, with the keyboard.

test("an admin assigns a waiting request to an online agent, whose console opens it", async ({ newPage }) => {
  const carol = await newPage();
  await logOn(carol, "carol@deskchat.test");
  const admin = await newPage();
  await logOn(admin, "admin@deskchat.test");
  const widget = await newPage();
  await startChat(widget, { name: "Ivy Assigned", email: "ivy@example.com", location: "Depot", group: "Network", question: "Who will take this?" });

  await admin.getByRole("tab", { name: /Network/ }).click();
  const choose = admin.getByRole("combobox", { name: "Assign chat from Ivy Assigned to" });
  await expect(choose.getByRole("option", { name: "Carol Network" })).toBeAttached();
  expect(await violations(admin)).toEqual([]);
  await choose.focus();
  await choose.selectOption({ label: "Carol Network" });
  await admin.keyboard.press("Tab");
  await expect(admin.getByRole("button", { name: "Assign chat from Ivy Assigned" })).toBeFocused();
  await admin.keyboard.press("Enter");

  // Out of the queue; open in Carol's console; the end user sees her join.
  await expect(admin.getByRole("button", { name: "Accept chat from Ivy Assigned" })).toHaveCount(0);
  await expect(carol.getByRole("article", { name: "Chat with Ivy Assigned" })).toBeVisible();
  await expect(widget.getByText("Carol Network joined the chat.")).toBeVisible();
});
