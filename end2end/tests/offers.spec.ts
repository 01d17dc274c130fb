import { Page } from "@playwright/test";
import { test, expect, hydrated, logOn, startChat, violations } from "../support/fixtures";
import { DeskchatServer } from "../support/server";

// Issue 17, auto-assign: an admin sets Network to offer each request to one free agent at a
// time. The offer shows in that agent's console with a countdown; they accept with the
// keyboard, or, ignored, it moves on to a colleague when the desk's (test) clock passes its time.

test.use({ serverEnv: { DESKCHAT_TEST_CLOCK: "true" } });

/** How long a console closed still counts as online (app::ssr::desk::PRESENCE_TIMEOUT_MS). */
const PRESENCE_TIMEOUT_MS = 15_000;

const IDA = { name: "Ida Offered", email: "ida@example.com", location: "Branch 4", group: "Network", question: "The Wi-Fi keeps dropping" };

/** Network to auto-assign with offers of 30 s, set on the admin's groups page; the admin then
 *  leaves and, once the clock passes the presence timeout, is offline (and offered nothing). */
async function autoAssignNetwork(admin: Page, server: DeskchatServer): Promise<void> {
  await logOn(admin, "admin@deskchat.test");
  await hydrated(admin, "/admin/groups");
  await admin.getByRole("button", { name: "Chat settings of Network" }).click();
  const form = admin.getByRole("form", { name: "Chat settings of Network" });
  await form.getByRole("radio", { name: /Auto-assign/ }).check();
  await form.getByLabel(/Seconds an agent has to answer an offer/).fill("30");
  expect(await violations(admin)).toEqual([]);
  await form.getByRole("button", { name: "Save chat settings" }).click();
  await expect(admin.getByRole("status").filter({ hasText: "Saved the chat settings of Network." })).toBeVisible();
  await expect(admin.getByRole("listitem").filter({ hasText: "auto-assign, 30 s to answer an offer" })).toBeVisible();
  await admin.close();
  // Once the server let the console go, its agent ages out on the desk's clock.
  const agentSockets = async () => (await (await fetch(`${server.url}/metrics`)).text()).match(/deskchat_sockets\{kind="agent"\} (\d+)/)?.[1];
  await expect.poll(agentSockets).toBe("0");
  await server.advanceClock(PRESENCE_TIMEOUT_MS);
}

test("an offer shows in one agent's console and is accepted with the keyboard", async ({ newPage, server }) => {
  await autoAssignNetwork(await newPage(), server);
  const alice = await newPage();
  await logOn(alice, "alice@deskchat.test");
  const widget = await newPage();
  await startChat(widget, IDA);

  const offer = alice.getByRole("region", { name: "Chat offered to you" });
  await expect(offer).toBeVisible();
  await expect(offer.getByText(IDA.question)).toBeVisible();
  await expect(offer.getByText(/Answer within \d+ s/)).toBeVisible();
  // In the group's list it waits, but nobody picks it up from there.
  await alice.getByRole("tab", { name: /Network/ }).click();
  await expect(alice.getByText("Offered to agents in turn")).toBeVisible();
  expect(await violations(alice)).toEqual([]);

  const accept = offer.getByRole("button", { name: `Accept chat from ${IDA.name}` });
  await accept.focus();
  await alice.keyboard.press("Enter");
  await expect(alice.getByRole("article", { name: `Chat with ${IDA.name}` })).toBeVisible();
  await expect(offer).toHaveCount(0);
  await expect(widget.getByText("Alice Agent joined the chat.")).toBeVisible();
});

test("an offer nobody answers moves on to a second agent", async ({ newPage, server }) => {
  await autoAssignNetwork(await newPage(), server);
  const alice = await newPage();
  await logOn(alice, "alice@deskchat.test");
  const carol = await newPage();
  await logOn(carol, "carol@deskchat.test");
  const widget = await newPage();
  await startChat(widget, IDA);

  const offerTo = (page: Page) => page.getByRole("region", { name: "Chat offered to you" });
  await expect.poll(async () => (await offerTo(alice).count()) + (await offerTo(carol).count())).toBe(1);
  const [first, second] = (await offerTo(alice).count()) === 1 ? [alice, carol] : [carol, alice];

  // Its 30 seconds pass on the desk's clock: it goes to the other agent, and the first is told.
  await server.advanceClock(30_000);
  await expect(offerTo(second)).toBeVisible();
  await expect(offerTo(first)).toHaveCount(0);
  await expect(first.getByRole("alert").filter({ hasText: /ran out; it went to a colleague/ })).toBeVisible();
  await offerTo(second).getByRole("button", { name: `Accept chat from ${IDA.name}` }).click();
  await expect(second.getByRole("article", { name: `Chat with ${IDA.name}` })).toBeVisible();
});
