/** Sidebar sections, in display order. */
export const DAY_GROUPS = ["Today", "Yesterday", "Previous 7 days", "Older"] as const;
export type DayGroup = (typeof DAY_GROUPS)[number];

const MS_PER_DAY = 24 * 60 * 60 * 1000;

/** The calendar day of `date` in `timeZone`, as a day number (days since 1970-01-01 of that local date). */
function dayNumber(date: Date, timeZone: string): number {
  const parts = new Intl.DateTimeFormat("en-US", { timeZone, year: "numeric", month: "numeric", day: "numeric" })
    .formatToParts(date)
    .reduce<Record<string, number>>((found, part) => {
      if (part.type !== "literal") found[part.type] = Number(part.value);
      return found;
    }, {});
  return Math.floor(Date.UTC(parts.year, parts.month - 1, parts.day) / MS_PER_DAY);
}

export function dayGroup(updatedAt: Date, now: Date, timeZone: string): DayGroup {
  const age = dayNumber(now, timeZone) - dayNumber(updatedAt, timeZone);
  if (age <= 0) return "Today"; // a clock a little behind the server's can put a chat "in the future"
  if (age === 1) return "Yesterday";
  if (age <= 7) return "Previous 7 days";
  return "Older";
}

/**
 * Chats newest first (by `updatedAt`, then id, as the server orders them) in day sections, empty sections left out.
 * Days are calendar days in `timeZone`: a chat from 23:50 yesterday is "Yesterday" at 00:10 today.
 */
export function groupByDay<T extends { id: string; updatedAt: string }>(
  chats: readonly T[],
  { now = new Date(), timeZone }: { now?: Date; timeZone: string },
): { group: DayGroup; chats: T[] }[] {
  const sorted = [...chats].sort(
    (a, b) => Date.parse(b.updatedAt) - Date.parse(a.updatedAt) || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0),
  );
  const groups = new Map<DayGroup, T[]>();
  for (const chat of sorted) {
    const group = dayGroup(new Date(chat.updatedAt), now, timeZone);
    groups.set(group, [...(groups.get(group) ?? []), chat]);
  }
  return DAY_GROUPS.filter((group) => groups.has(group)).map((group) => ({ group, chats: groups.get(group)! }));
}
