import { test, expect, acceptedChat, askForRatings, hydrated, logOn, violations } from "../support/fixtures";

// Issue 18, satisfaction: where an admin turns it on, the widget asks "How was this chat?" once
// the chat ends; the end user answers with the keyboard, once, and the agents see the rating on
// the chat's record page and in History.

const NIA = { name: "Nia Network", email: "nia@example.com", location: "Lab", group: "Network", question: "The switch is down" };

test("an end user rates an ended chat with the keyboard and the agent sees it on the record", async ({ newPage }) => {
  const admin = await newPage();
  await logOn(admin, "admin@deskchat.test");
  await askForRatings(admin, "Network");

  const { agent, widget } = await acceptedChat(newPage, NIA);
  const number = (await widget.getByText(/Chat request CR\d+/).textContent())!.match(/CR\d+/)![0];
  await expect(widget.getByRole("group", { name: "How was this chat?" })).toHaveCount(0);
  await widget.getByRole("button", { name: "End chat" }).click();

  const survey = widget.getByRole("group", { name: "How was this chat?" });
  await expect(survey).toBeVisible();
  expect(await violations(widget)).toEqual([]);
  // Sent without a score: said, and nothing sent.
  await widget.getByRole("button", { name: "Send rating" }).click();
  await expect(widget.getByRole("alert").filter({ hasText: "Please choose a rating from 1 to 5." })).toBeVisible();
  // Keyboard only: into the scores, along them with the arrows, on to the comment and Send.
  await survey.getByRole("radio", { name: "1 – Very poor" }).focus();
  await widget.keyboard.press("Space");
  for (let i = 0; i < 3; i++) await widget.keyboard.press("ArrowRight");
  await expect(survey.getByRole("radio", { name: "4 – Good" })).toBeChecked();
  await widget.keyboard.press("Tab");
  await expect(widget.getByLabel("Comment (optional)")).toBeFocused();
  await widget.keyboard.type("Fixed in minutes.");
  await widget.keyboard.press("Tab");
  await expect(widget.getByRole("button", { name: "Send rating" })).toBeFocused();
  await widget.keyboard.press("Enter");
  const thanks = widget.getByRole("status").filter({ hasText: "Thank you! You rated this chat 4 out of 5." });
  await expect(thanks).toBeVisible();
  await expect(survey).toHaveCount(0);
  expect(await violations(widget)).toEqual([]);
  // Asked once: a reload shows the thanks, not the question.
  await widget.reload();
  await expect(thanks).toBeVisible();
  await expect(survey).toHaveCount(0);

  await hydrated(agent, `/records/${number}`);
  const rating = agent.getByRole("region", { name: "Satisfaction" });
  await expect(rating).toContainText("Rated 4 out of 5");
  await expect(rating).toContainText("Fixed in minutes.");
  expect(await violations(agent)).toEqual([]);
  await hydrated(agent, "/console");
  await agent.getByRole("tab", { name: "History" }).click();
  await expect(agent.getByRole("listitem").filter({ hasText: number })).toContainText("Rated 4 out of 5");
});

test("a group that does not ask shows no survey", async ({ newPage }) => {
  const { widget } = await acceptedChat(newPage, NIA);
  await widget.getByRole("button", { name: "End chat" }).click();
  await expect(widget.getByText("You ended this chat.")).toBeVisible();
  await expect(widget.getByRole("group", { name: "How was this chat?" })).toHaveCount(0);
  await expect(widget.getByRole("button", { name: "Start a new chat" })).toBeVisible();
});
