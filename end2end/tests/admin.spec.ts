import { Locator, Page } from "@playwright/test";
import { test, expect, hydrated, logOn, violations } from "../support/fixtures";

// Issue 8: an admin manages agents and groups in the console; the agents they create log on.

/** Presses Tab until `target` has focus: proves it is reachable by keyboard. */
async function tabTo(page: Page, target: Locator, limit = 80): Promise<void> {
  for (let i = 0; i < limit; i++) {
    if (await target.evaluate((el) => el === document.activeElement)) return;
    await page.keyboard.press("Tab");
  }
  throw new Error(`not reachable with Tab: ${target}`);
}

const PASSWORD = "a long enough secret";

test("the admin creates an agent in a group with the keyboard alone, who then logs on to the console", async ({ newPage }) => {
  const page = await newPage();
  await logOn(page, "admin@deskchat.test");
  await tabTo(page, page.getByRole("link", { name: "Agents" }));
  await page.keyboard.press("Enter");
  await page.waitForURL("**/admin/agents");
  await expect(page.getByRole("heading", { level: 1, name: "Agents" })).toBeVisible();
  await expect(page.getByRole("heading", { level: 2, name: "Alice Agent" })).toBeVisible();
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();

  await tabTo(page, page.getByLabel("Email", { exact: true }));
  await page.keyboard.type("dana@deskchat.test");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Name", { exact: true })).toBeFocused();
  await page.keyboard.type("Dana Desk");
  await page.keyboard.press("Tab");
  await expect(page.getByLabel("Role", { exact: true })).toBeFocused(); // stays Agent
  const network = page.getByRole("group", { name: "Groups" }).getByRole("checkbox", { name: "Network" });
  await tabTo(page, network);
  await page.keyboard.press("Space");
  await expect(network).toBeChecked();
  await tabTo(page, page.getByLabel("First password"));
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");

  await expect(page.getByRole("status").filter({ hasText: "Created Dana Desk (dana@deskchat.test)." })).toBeVisible();
  const dana = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Dana Desk" }) });
  await expect(dana).toContainText("Groups: Network");
  await expect(dana).toContainText("Active");
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue("");

  // Log off from the console, and the new agent logs on in the same browser.
  await tabTo(page, page.getByRole("link", { name: "Console" }));
  await page.keyboard.press("Enter");
  await page.waitForURL("**/console");
  await tabTo(page, page.getByRole("button", { name: "Log off" }));
  await page.keyboard.press("Enter");
  await page.waitForURL("**/login");
  await expect(page.locator("body[data-hydrated=true]")).toBeAttached();
  await tabTo(page, page.getByLabel("Email"));
  await page.keyboard.type("dana@deskchat.test");
  await page.keyboard.press("Tab");
  await page.keyboard.type(PASSWORD);
  await page.keyboard.press("Enter");
  await page.waitForURL("**/console");
  await expect(page.getByRole("status").filter({ hasText: "Connected" })).toBeVisible();
  await expect(page.getByRole("tab", { name: /Network/ })).toBeVisible();
  await expect(page.getByRole("tab", { name: /Hardware/ })).toHaveCount(0);
  await expect(page.getByRole("link", { name: "Agents" })).toHaveCount(0); // not an admin
});

test("refusals keep the form; deactivate, reset, groups and the audit log", async ({ newPage }) => {
  const page = await newPage();
  await logOn(page, "admin@deskchat.test");
  await hydrated(page, "/admin/agents");
  await expect(page.getByRole("heading", { level: 2, name: "Bob Builder" })).toBeVisible();

  // A taken email: said plainly, nothing typed is lost.
  await page.getByLabel("Email", { exact: true }).fill("BOB@deskchat.test");
  await page.getByLabel("Name", { exact: true }).fill("Bob Again");
  await page.getByLabel("First password").fill(PASSWORD);
  await page.getByRole("button", { name: "Create agent" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "An agent with that email already exists." })).toBeVisible();
  await expect(page.getByLabel("Email", { exact: true })).toHaveValue("BOB@deskchat.test");
  await expect(page.getByLabel("Name", { exact: true })).toHaveValue("Bob Again");
  await expect(page.getByLabel("First password")).toHaveValue(PASSWORD);

  // Bob is deactivated, then reactivated; his password reset.
  await page.getByRole("button", { name: "Deactivate Bob Builder" }).click();
  await expect(page.getByRole("status").filter({ hasText: "Bob Builder deactivated" })).toBeVisible();
  const bob = page.getByRole("listitem").filter({ has: page.getByRole("heading", { name: "Bob Builder" }) });
  await expect(bob).toContainText("Deactivated");
  await page.getByRole("button", { name: "Reactivate Bob Builder" }).click();
  await expect(bob).toContainText("Active");
  await page.getByRole("button", { name: "Reset password of Bob Builder" }).click();
  await page.getByLabel("New password for Bob Builder").fill("short");
  await page.getByLabel("New password for Bob Builder").press("Enter");
  await expect(bob.getByRole("alert")).toHaveText("Password: at least 12 characters.");
  await page.getByLabel("New password for Bob Builder").fill(PASSWORD);
  await page.getByLabel("New password for Bob Builder").press("Enter");
  await expect(page.getByRole("status").filter({ hasText: "Password of Bob Builder reset" })).toBeVisible();

  // The editor, open beside a refusal, passes axe too; Escape closes it.
  await page.getByRole("button", { name: "Edit Carol Network" }).click();
  await expect(page.getByRole("form", { name: "Edit Carol Network" })).toBeVisible();
  expect(await violations(page)).toEqual([]);
  await page.getByLabel("Name", { exact: true }).first().focus();
  await page.keyboard.press("Escape");
  await expect(page.getByRole("form", { name: "Edit Carol Network" })).toHaveCount(0);

  // The last admin cannot step down.
  await page.getByRole("button", { name: "Deactivate Ada Admin" }).click();
  await expect(page.getByRole("alert").filter({ hasText: "last active admin" })).toBeVisible();

  // Groups: create one, rename it.
  await page.getByRole("navigation", { name: "Desk" }).getByRole("link", { name: "Groups" }).click();
  await page.waitForURL("**/admin/groups");
  await page.getByLabel("Group name").fill("Printers");
  await page.getByLabel("Group name").press("Enter");
  await expect(page.getByRole("heading", { level: 2, name: "Printers" })).toBeVisible();
  await page.getByRole("button", { name: "Rename Printers" }).click();
  await page.getByLabel("New name for Printers").fill("Printing");
  await page.getByLabel("New name for Printers").press("Enter");
  await expect(page.getByRole("heading", { level: 2, name: "Printing" })).toBeVisible();

  // Each change has its audit line, newest first.
  await page.getByRole("navigation", { name: "Desk" }).getByRole("link", { name: "Audit log" }).click();
  await page.waitForURL("**/admin/audit");
  const rows = page.getByRole("table").getByRole("row");
  await expect(rows).toHaveCount(6); // the header and five changes
  await expect(rows.nth(1)).toContainText("Renamed group");
  await expect(rows.nth(1)).toContainText("was: Printers");
  await expect(rows.nth(2)).toContainText("Created group");
  await expect(rows.nth(3)).toContainText("Reset password");
  await expect(rows.nth(4)).toContainText("Reactivated agent");
  await expect(rows.nth(5)).toContainText("Deactivated agent");
  await expect(rows.nth(5)).toContainText("Ada Admin");
  expect(await violations(page)).toEqual([]);
});
