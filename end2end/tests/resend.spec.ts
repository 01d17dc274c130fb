import { test, expect, acceptedChat, say } from "../support/fixtures";

const user = { name: "Sam Resend", email: "sam@example.com", location: "Oslo", group: "Network", question: "Wi-Fi keeps asking for a password" };

test("a post that never reached the server shows Resend, and resending delivers it once", async ({ newPage }) => {
  const { agent, widget, conversation } = await acceptedChat(newPage, user);
  await agent.route("**/api/post_as_agent", (route) => route.abort("connectionfailed"));
  await say(conversation, "Please forget the network and join again");
  const failed = conversation.locator(".message.pending");
  await expect(failed).toContainText("Not sent:");
  await expect(widget.getByRole("log")).not.toContainText("Please forget the network");

  await agent.unroute("**/api/post_as_agent");
  await conversation.getByRole("button", { name: "Resend message" }).click();
  await expect(conversation.locator(".message.pending")).toHaveCount(0);
  await expect(conversation.getByRole("log").locator(".message .body")).toHaveText(["Please forget the network and join again"]);
  await expect(widget.getByRole("log").locator(".message .body")).toHaveText(["Please forget the network and join again"]);
});

test("a post whose answer was lost is confirmed by the live stream and shown once", async ({ newPage }) => {
  const { widget, conversation } = await acceptedChat(newPage, user);
  // The request reaches the server and is stored, but the browser never sees the answer.
  let dropped = false;
  await widget.route("**/api/post_as_end_user", async (route) => {
    if (dropped) return route.continue();
    dropped = true;
    await route.fetch();
    await route.abort("connectionreset");
  });
  await say(widget, "It says wrong password");
  await expect(conversation.getByRole("log").locator(".message .body")).toHaveText(["It says wrong password"]);
  // The stored message comes back on the live stream with the same client id, which settles
  // the failed post: no false "not sent", no second copy.
  await expect(widget.locator(".message.pending")).toHaveCount(0);
  await expect(widget.getByRole("log").locator(".message .body")).toHaveText(["It says wrong password"]);
  await expect(conversation.getByRole("log").locator(".message .body")).toHaveText(["It says wrong password"]);
});
