import { test, expect, acceptedChat } from "../support/fixtures";

test("a long chat opens on its newest messages; older ones come on request", async ({ newPage }) => {
  const { agent, widget } = await acceptedChat(newPage, {
    name: "Lou Longtalk", email: "lou@example.com", location: "HQ", group: "Network", question: "It is a long story",
  });
  // 55 messages from the end user, straight through the widget's own endpoint.
  await widget.evaluate(async () => {
    const token = localStorage.getItem("deskchat.chat-token");
    for (let i = 0; i < 55; i++) {
      const response = await fetch("/api/post_as_end_user", {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ token, client_id: crypto.randomUUID(), body: `Line ${i}` }),
      });
      if (!response.ok) throw new Error(`post ${i}: ${response.status}`);
    }
  });

  await agent.reload();
  // The button works once the page has hydrated (a busy machine takes a while).
  await expect(agent.locator("body[data-hydrated=true]")).toBeAttached();
  const conversation = agent.getByRole("article", { name: "Chat with Lou Longtalk" });
  const log = conversation.getByRole("log");
  await expect(log).toContainText("Line 54");
  await expect(log.getByText("Line 0", { exact: true })).toHaveCount(0);
  const earlier = conversation.getByRole("button", { name: "Show earlier messages" });
  await earlier.focus();
  await agent.keyboard.press("Enter");
  await expect(log.getByText("Line 0", { exact: true })).toBeVisible();
  await expect(earlier).toHaveCount(0);
});
