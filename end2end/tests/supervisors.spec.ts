import { test, expect, acceptedChat, hydrated, logOn, violations } from "../support/fixtures";

// Issue 18: an admin makes an agent a supervisor of a group on the Agents page, with the
// keyboard; the supervisor then finds that group's records, and no other group's.

test("the admin makes Carol a supervisor of Hardware; she then reads Hardware's records", async ({ newPage }) => {
  const admin = await newPage();
  await logOn(admin, "admin@deskchat.test");
  await hydrated(admin, "/admin/agents");
  await admin.getByRole("button", { name: "Edit Carol Network" }).click();
  const editor = admin.getByRole("form", { name: "Edit Carol Network" });
  const hardware = editor.getByRole("group", { name: "Supervises" }).getByRole("checkbox", { name: "Hardware" });
  await hardware.focus();
  await admin.keyboard.press("Space");
  await expect(hardware).toBeChecked();
  // Her memberships stay as they were: supervising is not being a member.
  await expect(editor.getByRole("group", { name: "Groups" }).getByRole("checkbox", { name: "Hardware" })).not.toBeChecked();
  expect(await violations(admin)).toEqual([]);
  await editor.getByRole("button", { name: "Save changes" }).press("Enter");
  const carolRow = admin.getByRole("listitem").filter({ has: admin.getByRole("heading", { name: "Carol Network" }) });
  await expect(carolRow).toContainText("Supervises: Hardware");
  await expect(carolRow).toContainText("Groups: Network");

  // A Hardware chat, taken by Bob, opens an Interaction in Hardware.
  const { agent: bob } = await acceptedChat(
    newPage,
    { name: "Hana Hardware", email: "hana@example.com", location: "Lab", group: "Hardware", question: "The dock is dead" },
    "bob@deskchat.test",
  );
  const heading = bob.getByRole("complementary", { name: "Records" }).getByRole("heading", { name: /^Interaction SD\d+$/ });
  await expect(heading).toBeVisible();
  const number = (await heading.textContent())!.replace("Interaction ", "").trim();

  const carol = await newPage();
  await logOn(carol, "carol@deskchat.test");
  await hydrated(carol, "/records");
  await carol.getByLabel("Search records").fill("hana@example");
  await carol.getByRole("button", { name: "Search" }).click();
  await carol.getByRole("link", { name: number }).click();
  await expect(carol.getByRole("heading", { name: new RegExp(number) })).toBeVisible();
  expect(await violations(carol)).toEqual([]);
});
