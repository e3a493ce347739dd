/**
 * Old names ICU (and so Chromium) still reports for zones IANA renamed: Playwright's "Asia/Kolkata" comes back from
 * resolvedOptions() as "Asia/Calcutta". The user should see the name they know.
 */
const RENAMED_ZONES: Record<string, string> = {
  "Asia/Calcutta": "Asia/Kolkata",
  "Asia/Saigon": "Asia/Ho_Chi_Minh",
  "Asia/Katmandu": "Asia/Kathmandu",
  "Asia/Rangoon": "Asia/Yangon",
  "Asia/Dacca": "Asia/Dhaka",
  "Asia/Thimbu": "Asia/Thimphu",
  "Asia/Ulan_Bator": "Asia/Ulaanbaatar",
  "Asia/Ujung_Pandang": "Asia/Makassar",
  "Europe/Kiev": "Europe/Kyiv",
  "Europe/Uzhgorod": "Europe/Kyiv",
  "Europe/Zaporozhye": "Europe/Kyiv",
  "America/Godthab": "America/Nuuk",
  "America/Buenos_Aires": "America/Argentina/Buenos_Aires",
  "America/Catamarca": "America/Argentina/Catamarca",
  "America/Cordoba": "America/Argentina/Cordoba",
  "America/Jujuy": "America/Argentina/Jujuy",
  "America/Mendoza": "America/Argentina/Mendoza",
  "America/Indianapolis": "America/Indiana/Indianapolis",
  "America/Louisville": "America/Kentucky/Louisville",
  "Atlantic/Faeroe": "Atlantic/Faroe",
  "Pacific/Enderbury": "Pacific/Kanton",
  "Pacific/Ponape": "Pacific/Pohnpei",
  "Pacific/Truk": "Pacific/Chuuk",
};

export type UserTimezone = { timeZone: string; locale: string; localTime: string };

/** getUserTimezone's answer, read from this browser. The lengths match the tool's outputSchema. */
export function readUserTimezone(now = new Date()): UserTimezone {
  const reported = Intl.DateTimeFormat().resolvedOptions().timeZone || "UTC";
  const timeZone = RENAMED_ZONES[reported] ?? reported;
  let locale = navigator.language || "en-US";
  let localTime: string;
  try {
    localTime = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(now);
  } catch {
    // navigator.language can be a tag Intl does not take.
    locale = "en-US";
    localTime = new Intl.DateTimeFormat(locale, { dateStyle: "full", timeStyle: "short" }).format(now);
  }
  return { timeZone: timeZone.slice(0, 64), locale: locale.slice(0, 64), localTime: localTime.slice(0, 100) };
}
