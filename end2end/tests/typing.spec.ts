import { test, expect, acceptedChat, post } from "../support/fixtures";

const user = { name: "Tia Typist", email: "tia@example.com", location: "Home", group: "Network", question: "Printer offline" };

test("each side sees the other typing; it clears when they send or stop", async ({ newPage }) => {
  const { widget, conversation } = await acceptedChat(newPage, user);

  // The agent types: the end user sees it, and it goes when the message arrives.
  const agentBox = conversation.getByRole("textbox", { name: "Message" });
  await agentBox.pressSequentially("Let me check");
  const agentTyping = widget.getByRole("status").filter({ hasText: "Alice Agent is typing…" });
  await expect(agentTyping).toBeVisible();
  await agentBox.press("Enter");
  await expect(widget.getByRole("log")).toContainText("Let me check");
  await expect(agentTyping).toHaveCount(0);

  // The end user types and stops: the agent sees it, and it goes by itself a few seconds later.
  await widget.getByRole("textbox", { name: "Message" }).pressSequentially("It says");
  const userTyping = conversation.getByRole("status").filter({ hasText: "Tia Typist is typing…" });
  await expect(userTyping).toBeVisible();
  await expect(userTyping).toHaveCount(0);

  // Nothing of it was stored: after a reload neither side shows it.
  await post(widget, "It says offline");
  await widget.reload();
  await expect(widget.getByRole("log")).toContainText("It says offline");
  await expect(widget.getByText(/is typing…/)).toHaveCount(0);
});
