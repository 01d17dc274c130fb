import { test, expect, acceptedChat, post } from "../support/fixtures";

test("the server restarts mid-conversation and both sides carry on with nothing lost or doubled", async ({ newPage, server }) => {
  const { agent, widget, conversation } = await acceptedChat(newPage, {
    name: "Rita Restart",
    email: "rita@example.com",
    location: "Madrid",
    group: "Network",
    question: "Printer queue stuck",
  });
  await post(conversation, "Before the restart, from the agent");
  await post(widget, "Before the restart, from the user");
  const agentLog = conversation.getByRole("log");
  const userLog = widget.getByRole("log");
  await expect(agentLog.locator(".message:not(.pending)")).toHaveCount(2);
  await expect(userLog.locator(".message:not(.pending)")).toHaveCount(2);

  await server.kill9();
  await expect(agent.getByRole("status").filter({ hasText: "reconnecting" })).toBeVisible();
  await expect(widget.getByRole("status").filter({ hasText: "reconnecting" })).toBeVisible();
  await server.launch();
  await expect(agent.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(widget.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();

  await post(widget, "After the restart, from the user");
  await post(conversation, "After the restart, from the agent");
  const expected = [
    "Before the restart, from the agent",
    "Before the restart, from the user",
    "After the restart, from the user",
    "After the restart, from the agent",
  ];
  await expect(agentLog.locator(".message:not(.pending) .body")).toHaveText(expected);
  await expect(userLog.locator(".message:not(.pending) .body")).toHaveText(expected);

  // A reload reads everything back from the restarted server: the same four, once each.
  await agent.reload();
  await widget.reload();
  await expect(agent.getByRole("article", { name: "Chat with Rita Restart" }).getByRole("log").locator(".message .body")).toHaveText(expected);
  await expect(widget.getByRole("log").locator(".message .body")).toHaveText(expected);
});
