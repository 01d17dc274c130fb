import { readFileSync } from "fs";
import { test, expect, acceptedChat, hydrated, logOn, post, violations } from "../support/fixtures";

// Issue 18: a supervisor (the admin supervises every group) reads a report with its charts and
// tables, narrows it, and downloads a table as CSV.

test("a supervisor reads the report with its charts and downloads the CSV", async ({ newPage }) => {
  // Something to count: a chat Bob takes and answers today.
  const { conversation } = await acceptedChat(
    newPage,
    { name: "Rita Report", email: "rita@example.com", location: "Lab 4", group: "Hardware", question: "Report: the fan is loud" },
    "bob@deskchat.test",
  );
  await post(conversation, "Which fan?");

  const supervisor = await newPage();
  await logOn(supervisor, "admin@deskchat.test");
  await supervisor.getByRole("navigation", { name: "Desk" }).getByRole("link", { name: "Reports" }).click();
  await expect(supervisor.getByRole("heading", { name: "Reports", level: 1 })).toBeVisible();
  await hydrated(supervisor, "/reports");

  // The charts name themselves; the numbers are in the tables.
  for (const name of ["Chats per day", "Wait until accepted per day (minutes)", "Chats requested per hour of the week (UTC)"]) {
    await expect(supervisor.getByRole("img", { name })).toBeVisible();
  }
  const perDay = supervisor.getByRole("table", { name: "Per day" });
  await expect(perDay.getByRole("row")).toHaveCount(31);
  const perAgent = supervisor.getByRole("table", { name: "Per agent" });
  await expect(perAgent.getByRole("row").filter({ hasText: "Bob Builder" })).toBeVisible();
  expect(await violations(supervisor)).toEqual([]);

  // Narrowed to Hardware and Bob, with the keyboard.
  const form = supervisor.getByRole("form", { name: "Report" });
  for (const group of ["Service Desk", "Network"]) {
    const box = form.getByRole("checkbox", { name: group });
    await box.focus();
    await supervisor.keyboard.press("Space");
    await expect(box).not.toBeChecked();
  }
  await form.getByLabel("Agent").selectOption({ label: "Bob Builder" });
  await form.getByRole("button", { name: "Show report" }).press("Enter");
  await expect(supervisor.getByRole("heading", { level: 2 }).filter({ hasText: "Hardware" })).not.toContainText("Network");
  await expect(supervisor.getByRole("table", { name: "Per agent" }).getByRole("row")).toHaveCount(2);

  // The CSV of the table shown.
  const download = supervisor.waitForEvent("download");
  await supervisor.getByRole("link", { name: "Download “Per day” as CSV" }).click();
  const file = await download;
  expect(file.suggestedFilename()).toMatch(/^deskchat-days-\d{4}-\d{2}-\d{2}-\d{4}-\d{2}-\d{2}\.csv$/);
  const path = await file.path();
  const text = readFileSync(path, "utf8");
  expect(text.split("\r\n")[0]).toBe(
    "day,requested,accepted,missed,transferred,offline_requests,wait_p50_s,wait_p90_s,first_response_p50_s,first_response_p90_s,duration_p50_s,duration_p90_s,satisfaction,ratings",
  );
  expect(text.trim().split("\r\n")).toHaveLength(31);
});
