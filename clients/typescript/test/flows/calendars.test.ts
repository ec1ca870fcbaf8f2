// Business calendars: closed dates and ICS events, and the days they make.
import assert from "node:assert/strict";
import { after, describe, it } from "node:test";
import { connectToStack, unique } from "./stack.js";

const sdk = connectToStack();
const made: string[] = [];

after(async () => {
  for (const name of made) {
    await sdk.calendars.delete(name).catch(() => undefined);
  }
});

const ICS = [
  "BEGIN:VCALENDAR",
  "VERSION:2.0",
  "PRODID:-//jobsched//sdk test//EN",
  "BEGIN:VEVENT",
  "UID:closing-2027@example.com",
  "DTSTART;VALUE=DATE:20270105",
  "DTEND;VALUE=DATE:20270106",
  "SUMMARY:Inventory",
  "END:VEVENT",
  "END:VCALENDAR",
  "",
].join("\r\n");

describe("calendars", () => {
  it("closes extra dates and ICS event days; lists each day with its reason", async () => {
    const name = unique("office");
    const calendar = await sdk.calendars.create({
      name,
      timezone: "Europe/Paris",
      dates: ["2027-01-04"],
      ics: ICS,
    });
    made.push(name);
    assert.equal(calendar.name, name);
    assert.deepEqual(calendar.weekdays, ["mon", "tue", "wed", "thu", "fri"]); // the default
    const names = (await sdk.calendars.list()).items.map((c) => c.name);
    assert.ok(names.includes(name));

    const days = await sdk.calendars.days(name, { since: "2027-01-01", until: "2027-01-07" });
    const reasons = Object.fromEntries(days.items.map((d) => [d.date, d.business ? "open" : d.reason]));
    assert.deepEqual(reasons, {
      "2027-01-01": "open", // a Friday: no holidays asked for
      "2027-01-02": "weekend",
      "2027-01-03": "weekend",
      "2027-01-04": "extra date",
      "2027-01-05": "Inventory",
      "2027-01-06": "open",
      "2027-01-07": "open",
    });
  });
});
