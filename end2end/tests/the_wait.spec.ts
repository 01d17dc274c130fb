import { Locator, Page } from "@playwright/test";
import { test, expect, hydrated, logOn, fillForm, startChat, violations } from "../support/fixtures";

// Issue 17, the end user's wait: an admin sets a group's business hours; outside them the widget
// leaves a message instead of starting a chat and tells the incident's number. While waiting,
// the widget estimates the wait from the group's recent pickups.

const ERIN = { name: "Erin Evening", email: "erin@example.com", location: "Night shift, site B", group: "Hardware", question: "The label printer is out of ribbon" };

/** The admin logged on, Hardware's chat settings open with business hours on: the form. */
async function hardwareHours(admin: Page): Promise<Locator> {
  await logOn(admin, "admin@deskchat.test");
  await hydrated(admin, "/admin/groups");
  await admin.getByRole("button", { name: "Chat settings of Hardware" }).click();
  const form = admin.getByRole("form", { name: "Chat settings of Hardware" });
  await form.getByRole("checkbox", { name: /Business hours/ }).check();
  return form;
}

/** Business hours for Hardware with every day closed, set on the admin's groups page. */
async function closeHardware(admin: Page): Promise<void> {
  const form = await hardwareHours(admin);
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
    await form.getByRole("checkbox", { name: `Open on ${day}` }).uncheck();
  }
  await form.getByRole("button", { name: "Save chat settings" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Saved the chat settings of Hardware." })).toBeVisible();
}

test("outside business hours the widget leaves a message and shows the incident number", async ({ newPage }) => {
  const admin = await newPage();
  // Business hours on, every day closed: never open, whenever the test runs.
  const form = await hardwareHours(admin);
  await form.getByLabel("Time zone").fill("Europe/Berlin");
  for (const day of ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday"]) {
    await form.getByRole("checkbox", { name: `Open on ${day}` }).uncheck();
  }
  expect(await violations(admin)).toEqual([]);
  await form.getByRole("button", { name: "Save chat settings" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Saved the chat settings of Hardware." })).toBeVisible();
  await expect(admin.getByRole("listitem").filter({ hasText: "Business hours in Europe/Berlin" })).toBeVisible();

  const widget = await newPage();
  await hydrated(widget, "/widget");
  await fillForm(widget, ERIN);
  await expect(widget.getByRole("status").filter({ hasText: "Hardware is closed right now." })).toBeVisible();
  const leave = widget.getByRole("button", { name: "Leave a message" });
  expect(await violations(widget)).toEqual([]);
  await leave.focus();
  await widget.keyboard.press("Enter");
  const left = widget.getByRole("status").filter({ hasText: /Your message is incident IM\d+/ });
  await expect(left).toBeVisible();
  const number = (await left.textContent())!.match(/IM\d+/)![0];
  expect(await violations(widget)).toEqual([]);

  // Bob (Hardware) finds it in Records.
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  await hydrated(bob, `/records/${number}`);
  await expect(bob.getByLabel("Title")).toHaveValue(`Offline request: ${ERIN.question}`);
});

test("a message whose answer was lost, sent again, makes one incident", async ({ newPage }) => {
  await closeHardware(await newPage());
  const widget = await newPage();
  await hydrated(widget, "/widget");
  await fillForm(widget, ERIN);
  // The first send reaches the desk, but its answer never reaches the page.
  let lost = false;
  await widget.route("**/api/leave_message", async (route) => {
    if (lost) return route.continue();
    lost = true;
    await route.fetch();
    await route.abort();
  });
  await widget.getByRole("button", { name: "Leave a message" }).click();
  await expect(widget.getByRole("alert").filter({ hasText: /./ }).first()).toBeVisible();
  await widget.getByRole("button", { name: "Leave a message" }).click();
  // The desk's first incident: the second send found it instead of making another.
  await expect(widget.getByRole("status").filter({ hasText: "Your message is incident IM00001;" })).toBeVisible();
});

test("while waiting, the widget estimates the wait from the group's recent pickups", async ({ newPage }) => {
  const agent = await newPage();
  await logOn(agent, "alice@deskchat.test");
  // Three chats taken at once: the pace is three a minute (a burst never counts as faster).
  for (const name of ["Ann One", "Ben Two", "Cy Three"]) {
    const widget = await newPage();
    await startChat(widget, { name, email: "e@example.com", location: "HQ", group: "Network", question: `From ${name}` });
    await expect(widget.getByText("The wait is about")).toHaveCount(0);
    await agent.getByRole("tab", { name: /Network/ }).click();
    await agent.getByRole("button", { name: `Accept chat from ${name}` }).click();
    await expect(widget.getByText(/joined the chat/)).toBeVisible();
  }
  const waiting = await newPage();
  await startChat(waiting, { name: "Dee Four", email: "e@example.com", location: "HQ", group: "Network", question: "Fourth" });
  await expect(waiting.getByRole("status").filter({ hasText: "You are number 1 in the queue. The wait is about a minute." })).toBeVisible();
});

test("a message left while closed appears live in the group's consoles, there when it opens; an agent takes it with the keyboard", async ({ newPage }) => {
  const admin = await newPage();
  await closeHardware(admin);
  const form = () => admin.getByRole("form", { name: "Chat settings of Hardware" });
  await admin.getByRole("button", { name: "Chat settings of Hardware" }).click();
  await form().getByRole("checkbox", { name: /Show messages left \(offline requests\) in the agents' console/ }).check();
  await form().getByRole("button", { name: "Save chat settings" }).click();
  await expect(admin.getByRole("listitem").filter({ hasText: "messages left shown in the console" })).toBeVisible();

  // Bob's console is open before anything is left (the group still closed).
  const bob = await newPage();
  await logOn(bob, "bob@deskchat.test");
  await bob.getByRole("tab", { name: /Hardware/ }).click();
  const waiting = bob.getByRole("region", { name: "Offline requests" });
  await expect(waiting).toContainText("No messages left are waiting in this group.");

  const widget = await newPage();
  await hydrated(widget, "/widget");
  await fillForm(widget, ERIN);
  await widget.getByRole("button", { name: "Leave a message" }).click();
  const left = widget.getByRole("status").filter({ hasText: /Your message is incident IM\d+/ });
  await expect(left).toBeVisible();
  const number = (await left.textContent())!.match(/IM\d+/)![0];

  // It appears in Bob's console as it is left, no reload.
  await expect(waiting.getByRole("listitem")).toHaveCount(1);
  await expect(waiting).toContainText(ERIN.name);
  await expect(waiting).toContainText(`Offline request: ${ERIN.question}`);
  expect(await violations(bob)).toEqual([]);
  const take = waiting.getByRole("button", { name: `Take offline request ${number} from ${ERIN.name}` });
  await take.focus();
  await bob.keyboard.press("Enter");
  await expect(bob).toHaveURL(new RegExp(`/records/${number}$`));
  await expect(bob.getByLabel("Title")).toHaveValue(`Offline request: ${ERIN.question}`);
  await expect(bob.getByLabel("Status", { exact: true })).toHaveValue("in_progress");

  // Taken: the admin's console (all groups) does not list it.
  await hydrated(admin, "/console");
  await admin.getByRole("tab", { name: /Hardware/ }).click();
  await expect(admin.getByRole("region", { name: "Offline requests" })).toContainText("No messages left are waiting in this group.");
});

test("a weekday with a lunch break: two openings are saved and shown again", async ({ newPage }) => {
  const admin = await newPage();
  const form = await hardwareHours(admin);
  const monday = form.getByRole("group", { name: "Monday" });
  await monday.getByLabel("Monday from").fill("09:00");
  await monday.getByLabel("Monday to", { exact: true }).fill("12:00");
  await monday.getByRole("checkbox", { name: "Open again on Monday" }).check();
  await monday.getByLabel("Monday again from").fill("13:30");
  await monday.getByLabel("Monday again to").fill("17:00");
  expect(await violations(admin)).toEqual([]);
  await form.getByRole("button", { name: "Save chat settings" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Saved the chat settings of Hardware." })).toBeVisible();

  await hydrated(admin, "/admin/groups");
  await admin.getByRole("button", { name: "Chat settings of Hardware" }).click();
  const again = admin.getByRole("form", { name: "Chat settings of Hardware" }).getByRole("group", { name: "Monday" });
  await expect(again.getByLabel("Monday to", { exact: true })).toHaveValue("12:00");
  await expect(again.getByRole("checkbox", { name: "Open again on Monday" })).toBeChecked();
  await expect(again.getByLabel("Monday again from")).toHaveValue("13:30");
  await expect(again.getByRole("checkbox", { name: "Open again on Tuesday" })).toHaveCount(0);
  const tuesday = admin.getByRole("group", { name: "Tuesday" });
  await expect(tuesday.getByRole("checkbox", { name: "Open again on Tuesday" })).not.toBeChecked();
});
