import { test, expect, logOn, startChat, acceptedChat, post, hydrated, fillWidget } from "../support/fixtures";

// Issue 6: every chat leaves records. Alice (Service Desk, Network) takes the chats; the admin
// (every group) has the same records open elsewhere.

const erin = { name: "Erin Enduser", email: "erin@example.com", location: "Head office", group: "Network", question: "The printer on floor 3 jams" };

/** The records panel beside Alice's open chat. */
function panel(agent: import("@playwright/test").Page) {
  return agent.getByRole("complementary", { name: "Records" });
}

async function interactionNumber(agent: import("@playwright/test").Page): Promise<string> {
  const heading = panel(agent).getByRole("heading", { name: /^Interaction SD\d+$/ });
  await expect(heading).toBeVisible();
  return (await heading.textContent())!.replace("Interaction ", "").trim();
}

test("accepting opens an Interaction prefilled from the chat; edits are seen live and a racing save is refused with the other's values", async ({ newPage }) => {
  const { agent } = await acceptedChat(newPage, erin);
  const records = panel(agent);
  await expect(records.getByLabel("Title")).toHaveValue(erin.question);
  await expect(records.getByLabel("Contact email")).toHaveValue(erin.email);
  await expect(records.getByLabel("Location")).toHaveValue(erin.location);
  const number = await interactionNumber(agent);

  // The admin has the same record open on its page.
  const admin = await newPage();
  await logOn(admin, "admin@deskchat.test");
  await hydrated(admin, `/records/${number}`);
  await expect(admin.getByRole("heading", { name: `Interaction ${number}` })).toBeVisible();
  await expect(admin.getByLabel("Title")).toHaveValue(erin.question);
  await expect(admin.getByRole("link", { name: "CR00001" })).toBeVisible();

  await records.getByLabel("Category").fill("Printing");
  await records.getByRole("button", { name: `Save ${number}` }).click();
  await expect(records.getByText(`Saved ${number}.`)).toBeVisible();
  await expect(admin.getByLabel("Category")).toHaveValue("Printing");

  // Both edit at once: the admin is mid-edit when Alice saves; the admin's save is refused
  // and shows Alice's values instead of overwriting them.
  await admin.getByLabel("Title").fill("Admin's title");
  await records.getByLabel("Title").fill("Alice's title");
  await records.getByRole("button", { name: `Save ${number}` }).click();
  await expect(records.getByText(`Saved ${number}.`)).toBeVisible();
  await expect(admin.getByText("Someone else saved a newer version while you were editing.")).toBeVisible();
  await admin.getByRole("button", { name: `Save ${number}` }).click();
  await expect(admin.getByRole("alert").filter({ hasText: `Someone else saved ${number} meanwhile; nothing was overwritten.` })).toBeVisible();
  await expect(admin.getByLabel("Title")).toHaveValue("Alice's title");
});

test("a previous ticket ID opens the end user's earlier Interaction beside the new chat", async ({ newPage }) => {
  const first = await acceptedChat(newPage, erin);
  const number = await interactionNumber(first.agent);
  await first.conversation.getByRole("button", { name: "End session" }).click();
  await first.conversation.getByRole("button", { name: "End immediately" }).click();

  const again = await newPage();
  await hydrated(again, "/widget");
  await again.getByLabel("Previous ticket ID (optional)").fill(number);
  await fillWidget(again, { ...erin, question: "It jams again" });
  await first.agent.getByRole("tab", { name: /Network/ }).click();
  await first.agent.getByRole("button", { name: `Accept chat from ${erin.name}` }).click();
  await expect(first.agent.getByRole("article", { name: `Chat with ${erin.name}` }).getByText("It jams again")).toBeVisible();
  expect(await interactionNumber(first.agent)).toBe(number);
  await panel(first.agent).getByRole("tab", { name: "Related Records" }).click();
  await expect(panel(first.agent).getByRole("link", { name: number })).toBeVisible();
});

test("converting mid-chat puts the incident's ID and subject beside the chat, once", async ({ newPage }) => {
  const { agent } = await acceptedChat(newPage, erin);
  await panel(agent).getByRole("button", { name: "Convert chat to incident" }).click();
  const line = panel(agent).getByRole("region", { name: "Incident" });
  await expect(line).toContainText(/Incident IM\d+ — The printer on floor 3 jams/);
  await expect(panel(agent).getByRole("button", { name: "Convert chat to incident" })).toHaveCount(0);
  const incident = (await line.getByRole("link").textContent())!;
  await line.getByRole("link").click();
  await expect(agent.getByRole("heading", { name: `Incident ${incident}` })).toBeVisible();
  await expect(agent.getByRole("link", { name: "CR00001" })).toBeVisible();
});

test("after the chat, Add as request makes an incident whose description holds the transcript; history keeps the chat", async ({ newPage }) => {
  const { agent, widget, conversation } = await acceptedChat(newPage, erin);
  await post(widget, "It shows error E42");
  await post(conversation, "Please power it off and on");
  await conversation.getByRole("button", { name: "End session" }).click();
  await conversation.getByRole("button", { name: "End immediately" }).click();
  await expect(conversation.getByText("This chat has ended.")).toBeVisible();

  await panel(agent).getByRole("button", { name: "Add as request" }).click();
  const link = panel(agent).getByRole("region", { name: "Incident" }).getByRole("link");
  await expect(link).toHaveText(/IM\d+/);
  await link.click();
  const description = agent.getByLabel("Description");
  await expect(description).toHaveValue(/\] Erin Enduser: It shows error E42/);
  await expect(description).toHaveValue(/\] Alice Agent: Please power it off and on/);
  await expect(description).toHaveValue(/\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC/);

  // The console's history still has the chat after a reload, with its transcript a click away.
  await hydrated(agent, "/console");
  await agent.getByRole("tab", { name: "History" }).click();
  await agent.getByRole("link", { name: "CR00001 · Erin Enduser" }).click();
  await expect(agent.getByRole("heading", { name: "Transcript of CR00001" })).toBeVisible();
  await expect(agent.getByText("Please power it off and on")).toBeVisible();
});

test("a note from the chat window lands in the ticket's Notes, with its author; the end user never sees it", async ({ newPage }) => {
  const { agent, widget } = await acceptedChat(newPage, erin);
  const number = await interactionNumber(agent);
  await panel(agent).getByLabel("Add a note (agents only)").fill("Customer will call back at 3pm");
  await panel(agent).getByRole("button", { name: "Add note" }).click();
  await expect(panel(agent).getByRole("region", { name: "Notes" }).getByText("Customer will call back at 3pm")).toBeVisible();

  await hydrated(agent, `/records/${number}`);
  const notes = agent.getByRole("region", { name: "Notes" });
  await expect(notes.getByText("Customer will call back at 3pm")).toBeVisible();
  await expect(notes.getByText(/Alice Agent · \d{4}-\d\d-\d\d/)).toBeVisible();
  await expect(widget.getByText("Customer will call back at 3pm")).toHaveCount(0);

  // The records list finds it by the contact.
  await hydrated(agent, "/records");
  await agent.getByLabel("Search records").fill("erin@example");
  await agent.getByRole("button", { name: "Search" }).click();
  await expect(agent.getByRole("link", { name: number })).toBeVisible();
});

test("with missed-chat incidents turned on by the admin, a request nobody accepts becomes an incident and the end user gets its ID", async ({ newPage }) => {
  const admin = await newPage();
  await logOn(admin, "admin@deskchat.test");
  await admin.getByRole("link", { name: "Settings" }).click();
  await expect(admin.getByRole("heading", { name: "Desk settings" })).toBeVisible();
  await admin.getByLabel("Turn requests nobody accepts in time into 'Missed Chat' incidents").check();
  await admin.getByLabel("Pickup timeout (seconds)").fill("2");
  await admin.getByRole("button", { name: "Save settings" }).click();
  await expect(admin.getByText("Settings saved. New chats use them.")).toBeVisible();

  const widget = await newPage();
  await startChat(widget, { ...erin, name: "Mia Missed", question: "Is anyone there?" });
  await expect(widget.getByText(/We logged your question as ticket IM\d+/)).toBeVisible();
  const incident = (await widget.getByText(/ticket IM\d+/).textContent())!.match(/IM\d+/)![0];

  await hydrated(admin, `/records/${incident}`);
  await expect(admin.getByLabel("Title")).toHaveValue("Missed Chat: Is anyone there?");
  await expect(admin.getByLabel("Category")).toHaveValue("Missed Chat");
  await expect(admin.getByLabel("Contact name")).toHaveValue("Mia Missed");
});
