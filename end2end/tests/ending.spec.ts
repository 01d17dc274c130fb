import { test, expect, acceptedChat, say } from "../support/fixtures";

// A message still on its way when its author ends the chat is delivered before the end. The
// post is held back for a moment in the author's browser, as a slow connection would; without
// the deferral the end would overtake it and the message would show "Not sent".

const user = { name: "Nia Network", email: "nia@example.com", location: "Lab", group: "Network", question: "The switch is down" };

/** Holds every call to `endpoint` from `page` for `ms` before letting it through. */
async function holdBack(page: import("@playwright/test").Page, endpoint: string, ms: number) {
  await page.route(`**/api/${endpoint}`, async (route) => {
    await new Promise((resolve) => setTimeout(resolve, ms));
    await route.continue();
  });
}

test("the agent ends right after posting: the message arrives first, then the end", async ({ newPage }) => {
  const { agent, widget, conversation } = await acceptedChat(newPage, user);
  await holdBack(agent, "post_as_agent", 800);
  await say(conversation, "One last thing: reboot it twice");
  await conversation.getByRole("button", { name: "End session" }).click();
  await conversation.getByRole("button", { name: "End immediately" }).click();
  await expect(widget.getByText("The agent ended this chat.")).toBeVisible();
  await expect(widget.getByRole("log")).toContainText("One last thing: reboot it twice");
  await expect(conversation.getByText(/Not sent/)).toHaveCount(0);
});

test("the end user ends right after posting: the message arrives first, then the end", async ({ newPage }) => {
  const { widget, conversation } = await acceptedChat(newPage, user);
  await holdBack(widget, "post_as_end_user", 800);
  await say(widget, "Thanks, bye!");
  await widget.getByRole("button", { name: "End chat" }).click();
  await expect(conversation.getByText("The end user ended this chat.")).toBeVisible();
  await expect(conversation.getByRole("log")).toContainText("Thanks, bye!");
  await expect(widget.getByText(/Not sent/)).toHaveCount(0);
  // The widget shows the end user their own question above the conversation.
  await expect(widget.getByText("The switch is down")).toBeVisible();
});
