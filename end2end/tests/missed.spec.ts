import { test, expect, logOn, startChat } from "../support/fixtures";

// Nobody picks the request up within the pickup timeout (a minute, set like an admin would), on
// the test clock: the test moves it past the deadline instead of waiting.
test.use({ serverEnv: { DESKCHAT_TEST_CLOCK: "true", DESKCHAT_PICKUP_TIMEOUT_SECS: "60" } });

test("a request nobody accepts in time is missed: the end user is told, it leaves the agents' panel", async ({ newPage, server }) => {
  const agent = await newPage();
  await logOn(agent, "carol@deskchat.test");
  const widget = await newPage();
  await startChat(widget, { name: "Mia Missed", email: "mia@example.com", location: "Branch office", group: "Network", question: "Is anyone there?" });
  const accept = agent.getByRole("button", { name: "Accept chat from Mia Missed" });
  await expect(accept).toBeVisible();
  await server.advanceClock(60_000);

  await expect(widget.getByText("No agent was free to take your chat in time.")).toBeVisible();
  await expect(widget.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  await expect(widget.getByRole("button", { name: "Start a new chat" })).toBeVisible();
  await expect(accept).toHaveCount(0);

  // After a reload the widget still says so.
  await widget.reload();
  await expect(widget.getByText("No agent was free to take your chat in time.")).toBeVisible();
});
