import { test, expect, logOn, acceptedChat, post, violations } from "../support/fixtures";

// Team work with two agents and an end user, each in a browser context of their own: presence,
// invite and join (and leave), transfer to an agent of another group.

const user = { name: "Tom Team", email: "tom@example.com", location: "Floor 3", group: "Network", question: "The projector will not connect" };

test("an agent invites an online colleague, who joins with the whole history, writes and leaves", async ({ newPage }) => {
  const { agent: alice, widget, conversation } = await acceptedChat(newPage, user);
  await post(widget, "It shows no signal");

  // Bob (Hardware) comes online: Alice's team list shows it live.
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  const team = alice.getByRole("region", { name: "Team" });
  await expect(team.getByRole("listitem").filter({ hasText: "Bob Builder" })).toContainText("Online");
  await expect(team.getByRole("listitem").filter({ hasText: "Carol Network" })).toContainText("Offline");

  // Only online agents are offered.
  await conversation.getByRole("button", { name: "Invite other agents" }).click();
  const dialog = alice.getByRole("dialog", { name: "Invite other agents" });
  await expect(dialog.getByRole("button", { name: "Invite Bob Builder" })).toBeVisible();
  await expect(dialog.getByRole("button", { name: /Invite Carol/ })).toHaveCount(0);
  expect(await violations(alice)).toEqual([]);
  await dialog.getByRole("button", { name: "Invite Bob Builder" }).click();
  await expect(alice.getByRole("alert").filter({ hasText: "Bob Builder is invited" })).toBeVisible();

  // Bob is notified and joins: he sees the whole conversation so far.
  const invitations = bob.getByRole("region", { name: "Invitations" });
  await expect(invitations).toContainText(`Alice Agent invites you into`);
  await invitations.getByRole("button", { name: /^Join CR\d+ with Tom Team$/ }).click();
  const bobsView = bob.getByRole("article", { name: "Chat with Tom Team" });
  await expect(bobsView.getByRole("log")).toContainText("It shows no signal");
  await expect(bobsView).toContainText("Also in this chat: Alice Agent");
  await expect(invitations).toHaveCount(0);

  // The end user sees him join; his messages carry his own name.
  await expect(widget.getByRole("log")).toContainText("Bob Builder joined the chat.");
  await expect(widget.getByText("Also helping: Bob Builder")).toBeVisible();
  await post(bobsView, "Hardware here: which cable?");
  const bobsMessage = widget.locator(".message.agent").filter({ hasText: "Hardware here: which cable?" });
  await expect(bobsMessage.locator(".author")).toHaveText("Bob Builder");
  await expect(conversation.getByRole("log")).toContainText("Hardware here: which cable?");

  // He leaves without ending the chat: it goes on between Alice and the end user.
  await expect(bobsView.getByRole("button", { name: "End session" })).toHaveCount(0);
  await bobsView.getByRole("button", { name: "Leave chat" }).click();
  await expect(bob.getByRole("alert").filter({ hasText: /You left CR\d+\./ })).toBeVisible();
  await expect(widget.getByRole("log")).toContainText("Bob Builder left the chat.");
  await post(conversation, "Still here with you");
  await expect(widget.getByRole("log")).toContainText("Still here with you");
});

test("the holder transfers the chat to an online agent of another group, using the keyboard", async ({ newPage }) => {
  const { agent: alice, widget, conversation } = await acceptedChat(newPage, { ...user, name: "Tina Transfer" });
  await post(widget, "My laptop will not charge");
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  await expect(alice.getByRole("region", { name: "Team" }).getByRole("listitem").filter({ hasText: "Bob Builder" })).toContainText("Online");

  await conversation.getByRole("button", { name: "Transfer this chat" }).press("Enter");
  const dialog = alice.getByRole("dialog", { name: "Transfer this chat" });
  await expect(dialog.getByRole("button", { name: "Close" })).toBeFocused();
  // Escape closes it and changes nothing; open it again.
  await alice.keyboard.press("Escape");
  await expect(dialog).toHaveCount(0);
  await conversation.getByRole("button", { name: "Transfer this chat" }).press("Enter");
  await expect(dialog.getByRole("button", { name: "Back to the Hardware queue" })).toBeVisible();
  expect(await violations(alice)).toEqual([]);
  await dialog.getByRole("button", { name: "Transfer to Bob Builder (Hardware)" }).press("Enter");

  // Alice no longer holds it; Bob has it with its history; the end user sees the new agent.
  await expect(alice.getByRole("alert").filter({ hasText: /CR\d+ was transferred to Bob Builder\./ })).toBeVisible();
  await expect(alice.getByRole("article", { name: "Chat with Tina Transfer" })).toHaveCount(0);
  const bobsView = bob.getByRole("article", { name: "Chat with Tina Transfer" });
  await expect(bobsView.getByRole("log")).toContainText("My laptop will not charge");
  await expect(bobsView.getByRole("log")).toContainText("Alice Agent transferred the chat to Bob Builder (Hardware).");
  await expect(widget.getByRole("log")).toContainText("Alice Agent transferred the chat to Bob Builder (Hardware).");
  await expect(widget.getByText("Bob Builder joined the chat.", { exact: true })).toBeVisible();
  // The records came with it: its Interaction is beside the chat for Bob.
  await expect(bob.getByRole("button", { name: "Convert chat to incident" })).toBeVisible();

  await post(bobsView, "Hardware here, I have your chat");
  await expect(widget.getByRole("log")).toContainText("Hardware here, I have your chat");
  await post(widget, "Thanks");
  await expect(bobsView.getByRole("log")).toContainText("Thanks");
});

test("an agent steps away and colleagues see it; the widget says whether a group has anyone online", async ({ newPage }) => {
  const alice = await newPage();
  await logOn(alice, "alice@deskchat.test");
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  const bobInAlicesList = alice.getByRole("region", { name: "Team" }).getByRole("listitem").filter({ hasText: "Bob Builder" });
  await expect(bobInAlicesList).toContainText("Online");

  const widget = await newPage();
  await widget.goto("/widget");
  await expect(widget.locator("body[data-hydrated=true]")).toBeAttached();
  await widget.getByLabel("Who should help you?").selectOption({ label: "Hardware" });
  await expect(widget.getByRole("status").filter({ hasText: "An agent of Hardware is online now." })).toBeVisible();

  await bob.getByLabel("My status").selectOption("away");
  await expect(bobInAlicesList).toContainText("Away");
  await widget.reload();
  await expect(widget.locator("body[data-hydrated=true]")).toBeAttached();
  await widget.getByLabel("Who should help you?").selectOption({ label: "Hardware" });
  await expect(widget.getByRole("status").filter({ hasText: /Nobody in Hardware is online right now/ })).toBeVisible();
});
