import { test, expect, logOn, startChat } from "../support/fixtures";

test("an agent outside the group never sees the request", async ({ newPage }) => {
  const bob = await newPage(); // Hardware only
  await logOn(bob, "bob@deskchat.test");
  const alice = await newPage(); // Service Desk + Network
  await logOn(alice, "alice@deskchat.test");
  await expect(bob.getByRole("tab")).toHaveText([/Hardware/, /My chats/, /History/]);

  const networkUser = await newPage();
  await startChat(networkUser, {
    name: "Nora Secret",
    email: "nora@example.com",
    location: "Paris",
    group: "Network",
    question: "Router password reset",
  });
  await alice.getByRole("tab", { name: /Network/ }).click();
  await expect(alice.locator(".request").filter({ hasText: "Nora Secret" })).toBeVisible();

  // Events reach each agent in order: once Bob sees a later Hardware request, the earlier
  // Network one would already be on his page if it had been sent to him.
  const hardwareUser = await newPage();
  await startChat(hardwareUser, {
    name: "Hank Hardware",
    email: "hank@example.com",
    location: "Lyon",
    group: "Hardware",
    question: "Laptop screen flickers",
  });
  await bob.getByRole("tab", { name: /Hardware/ }).click();
  await expect(bob.locator(".request").filter({ hasText: "Hank Hardware" })).toBeVisible();
  await expect(bob.getByText("Nora Secret")).toHaveCount(0);
  await expect(bob.getByText("Router password reset")).toHaveCount(0);
  await expect(bob).toHaveTitle("(1) Deskchat console");
  await expect(alice.getByText("Hank Hardware")).toHaveCount(0);
});
