import { test, expect, hydrated, logOn, post, startChat, violations } from "../support/fixtures";

// Issue 18: a supervisor (here the admin, who supervises every group) watches a group's queue
// fill live, opens a chat read-only, whispers to its agent (who sees it marked; the end user
// never does) and joins it as a guest.

test("a supervisor watches the queue fill, opens the chat, whispers to the agent and joins", async ({ newPage }) => {
  const supervisor = await newPage();
  await logOn(supervisor, "admin@deskchat.test");
  await hydrated(supervisor, "/monitor");
  await expect(supervisor.getByRole("navigation", { name: "Desk" }).getByRole("link", { name: "Monitor" })).toHaveAttribute(
    "aria-current",
    "page",
  );
  await expect(supervisor.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  const hardware = supervisor.getByRole("region", { name: "Hardware" });
  await expect(hardware.getByRole("heading", { name: "Agents" })).toBeVisible();

  // The queue fills while the supervisor watches.
  const widget = await newPage();
  await startChat(widget, {
    name: "Mona Monitor",
    email: "mona@example.com",
    location: "Lab 2",
    group: "Hardware",
    question: "The screen flickers",
  });
  const waiting = hardware.getByRole("table", { name: "Waiting in Hardware" }).getByRole("row").filter({ hasText: "Mona Monitor" });
  await expect(waiting).toContainText("The screen flickers");

  // Bob takes it: it leaves the queue and is in progress.
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  await bob.getByRole("tab", { name: /Hardware/ }).click();
  await bob.getByRole("button", { name: "Accept chat from Mona Monitor" }).click();
  const conversation = bob.getByRole("article", { name: "Chat with Mona Monitor" });
  await expect(conversation).toBeVisible();
  await expect(waiting).toHaveCount(0);
  const inProgress = hardware.getByRole("table", { name: "Chats in progress in Hardware" }).getByRole("row").filter({ hasText: "Mona Monitor" });
  await expect(inProgress).toContainText("Bob Builder");

  // The end user writes: unanswered, highlighted on the board; open the chat read-only.
  await post(widget, "It flickers when it is cold");
  await expect(inProgress).toContainText("1 waiting for an answer");
  await expect(inProgress).toHaveClass(/unanswered/);
  await inProgress.getByRole("button", { name: /^Open CR\d+ read-only$/ }).click();
  const watched = supervisor.getByRole("region", { name: /CR\d+ with Mona Monitor \(Hardware\)/ });
  await expect(watched.getByText("It flickers when it is cold")).toBeVisible();
  await expect(watched.getByRole("textbox", { name: "Message" })).toHaveCount(0);
  expect(await violations(supervisor)).toEqual([]);

  // The whisper: Bob sees it, marked; the end user never does.
  const whisperBox = watched.getByRole("textbox", { name: "Whisper to the agents" });
  await whisperBox.fill("Ask whether the room is below 15 degrees");
  await whisperBox.press("Enter");
  const whispered = conversation.locator(".message.whisper").filter({ hasText: "Ask whether the room is below 15 degrees" });
  await expect(whispered).toContainText("Whisper, agents only");
  await expect(watched.locator(".message.whisper")).toContainText("Ask whether the room is below 15 degrees");
  await post(conversation, "Is the room cold?");
  await expect(widget.getByText("Is the room cold?")).toBeVisible();
  await expect(widget.getByText("Ask whether the room")).toHaveCount(0);
  // Nor after a reload of the widget (its transcript, its replay).
  await widget.reload();
  await expect(widget.getByText("Is the room cold?")).toBeVisible();
  await expect(widget.getByText("Ask whether the room")).toHaveCount(0);

  // Bob answered: nothing unanswered any more.
  await expect(inProgress).not.toHaveClass(/unanswered/);

  // The supervisor joins as a guest: Bob and the end user are told, the board lists them both.
  await watched.getByRole("button", { name: "Join as a guest" }).click();
  await expect(watched.getByRole("status")).toContainText("You joined as a guest");
  await expect(conversation.getByText(/Ada Admin joined the chat/)).toBeVisible();
  await expect(inProgress).toContainText("Bob Builder, Ada Admin");
  await expect(watched.getByRole("link", { name: "Go to the console" })).toBeVisible();
});

test("an agent who supervises nothing has no Monitor in the navigation and is told so on the page", async ({ newPage }) => {
  const alice = await newPage();
  await logOn(alice, "alice@deskchat.test");
  await expect(alice.getByRole("navigation", { name: "Desk" }).getByRole("link", { name: "Records" })).toBeVisible();
  await expect(alice.getByRole("navigation", { name: "Desk" }).getByRole("link", { name: "Monitor" })).toHaveCount(0);
  await hydrated(alice, "/monitor");
  await expect(alice.getByText("Only supervisors of a group (and admins) have a live monitor.")).toBeVisible();
});
