import type { ReactNode } from "react";
import type { Weather } from "@/lib/ai/tools/get-weather";
import { DropletIcon, ThermometerIcon, WindIcon } from "@/components/ui/laterIcons";
import { weatherGroup, WeatherIcon } from "./WeatherIcon";

const round = (value: number) => Math.round(value);

export function placeName(location: Weather["location"]): string {
  return [location.name, location.country].filter(Boolean).join(", ");
}

/** "2025-06-03" → "Today" for the place's own date, else a short weekday ("Wed"). */
function dayLabel(date: string, today: string): string {
  if (date === today) return "Today";
  const [year, month, day] = date.split("-").map(Number);
  if (!year || !month || !day) return date;
  return new Intl.DateTimeFormat(undefined, { weekday: "short", timeZone: "UTC" }).format(Date.UTC(year, month - 1, day));
}

/** A sky that matches the weather: blue by day, indigo at night, grey under cloud, rain or snow. */
function skyClasses(code: number, isDay: boolean): string {
  const group = weatherGroup(code);
  if (!isDay) return "from-indigo-50 to-slate-100 dark:from-indigo-950/60 dark:to-neutral-900";
  if (group === "clear" || group === "partly") return "from-sky-50 to-blue-100/80 dark:from-sky-950/70 dark:to-neutral-900";
  return "from-slate-50 to-slate-200/70 dark:from-slate-800/70 dark:to-neutral-900";
}

const PANEL = "border-t border-neutral-200 bg-linear-to-br px-4 pt-3.5 pb-3 dark:border-neutral-800";

function Stat({ icon, children }: { icon: ReactNode; children: ReactNode }) {
  return (
    <span className="inline-flex items-center gap-1 whitespace-nowrap">
      <span className="text-neutral-400 dark:text-neutral-500">{icon}</span>
      {children}
    </span>
  );
}

/** getWeather's result: place, big temperature, condition, feels-like / humidity / wind, and three days. */
export function WeatherCard({ weather }: { weather: Weather }) {
  const { location, current, daily } = weather;
  const today = current.time.slice(0, 10);
  return (
    <div data-testid="weather-card" className={`${PANEL} ${skyClasses(current.weatherCode, current.isDay)}`}>
      <div className="flex items-start justify-between gap-3">
        <div className="min-w-0">
          <p className="truncate text-sm font-medium text-neutral-700 dark:text-neutral-300">{placeName(location)}</p>
          <p className="mt-0.5 flex items-baseline gap-2">
            <span className="text-5xl leading-none font-semibold tracking-tight tabular-nums">
              {round(current.temperatureC)}°<span className="align-top text-2xl font-medium text-neutral-500 dark:text-neutral-400">C</span>
            </span>
          </p>
          <p className="mt-1.5 text-sm font-medium">{current.condition}</p>
        </div>
        <WeatherIcon code={current.weatherCode} isDay={current.isDay} className="size-16 shrink-0 sm:size-20" />
      </div>
      <p className="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-neutral-600 dark:text-neutral-400">
        {current.feelsLikeC !== undefined && (
          <Stat icon={<ThermometerIcon className="size-3.5" />}>Feels like {round(current.feelsLikeC)}°</Stat>
        )}
        {current.humidityPercent !== undefined && (
          <Stat icon={<DropletIcon className="size-3.5" />}>
            <span className="sr-only">Humidity </span>
            {round(current.humidityPercent)}%<span aria-hidden="true"> humidity</span>
          </Stat>
        )}
        {current.windKmh !== undefined && (
          <Stat icon={<WindIcon className="size-3.5" />}>
            <span className="sr-only">Wind </span>
            {round(current.windKmh)} km/h<span aria-hidden="true"> wind</span>
          </Stat>
        )}
      </p>
      {daily.length > 0 && (
        <ul aria-label="Forecast" className="mt-3 grid grid-cols-3 gap-1.5">
          {daily.slice(0, 3).map((day) => (
            <li
              key={day.date}
              className="flex flex-col items-center rounded-lg bg-white/60 px-1 py-1.5 text-center dark:bg-white/5"
            >
              <span className="text-xs font-medium text-neutral-600 dark:text-neutral-400">{dayLabel(day.date, today)}</span>
              <WeatherIcon code={day.weatherCode} className="my-0.5 size-8" />
              <span className="sr-only">{day.condition}, high </span>
              <span className="text-xs tabular-nums">
                <span className="font-semibold">{round(day.maxC)}°</span>
                <span className="sr-only">, low</span>{" "}
                <span className="text-neutral-500 dark:text-neutral-400">{round(day.minC)}°</span>
              </span>
            </li>
          ))}
        </ul>
      )}
    </div>
  );
}

/** The same box while the weather is being fetched, so the card does not jump when the result lands. */
export function WeatherSkeleton() {
  const bar = "rounded bg-neutral-200/80 dark:bg-neutral-800";
  return (
    <div aria-hidden="true" className={`${PANEL} from-neutral-50 to-neutral-100/70 dark:from-neutral-900 dark:to-neutral-900`}>
      <div className="animate-pulse motion-reduce:animate-none">
        <div className="flex items-start justify-between gap-3">
          <div className="min-w-0">
            <div className={`${bar} h-5 w-28`} />
            <div className={`${bar} mt-1 h-12 w-24`} />
            <div className={`${bar} mt-1.5 h-5 w-20`} />
          </div>
          <div className="size-16 shrink-0 rounded-full bg-neutral-200/80 sm:size-20 dark:bg-neutral-800" />
        </div>
        <div className={`${bar} mt-2 h-4 w-52`} />
        <div className="mt-3 grid grid-cols-3 gap-1.5">
          {[0, 1, 2].map((i) => (
            <div key={i} className="h-[4.75rem] rounded-lg bg-white/60 dark:bg-white/5" />
          ))}
        </div>
      </div>
    </div>
  );
}
