import { tool } from "ai";
import { z } from "zod";
import { ToolError } from "./tool-error";

/** Open-Meteo needs no key. A base URL replaces both of its hosts, so tests and proxies can stand in for them. */
const GEOCODING_URL = "https://geocoding-api.open-meteo.com";
const FORECAST_URL = "https://api.open-meteo.com";
export const WEATHER_TIMEOUT_MS = 10_000;

/** WMO weather interpretation codes, as Open-Meteo reports them. */
const WEATHER_CODES: Record<number, string> = {
  0: "Clear sky",
  1: "Mainly clear",
  2: "Partly cloudy",
  3: "Overcast",
  45: "Fog",
  48: "Rime fog",
  51: "Light drizzle",
  53: "Drizzle",
  55: "Heavy drizzle",
  56: "Freezing drizzle",
  57: "Freezing drizzle",
  61: "Light rain",
  63: "Rain",
  65: "Heavy rain",
  66: "Freezing rain",
  67: "Freezing rain",
  71: "Light snow",
  73: "Snow",
  75: "Heavy snow",
  77: "Snow grains",
  80: "Rain showers",
  81: "Rain showers",
  82: "Violent rain showers",
  85: "Snow showers",
  86: "Heavy snow showers",
  95: "Thunderstorm",
  96: "Thunderstorm with hail",
  99: "Thunderstorm with hail",
};

const geocodingSchema = z.object({
  results: z
    .array(
      z.object({
        name: z.string(),
        country: z.string().optional(),
        latitude: z.number(),
        longitude: z.number(),
      }),
    )
    .optional(),
});

const forecastSchema = z.object({
  timezone: z.string().optional(),
  current: z.object({
    time: z.string(),
    temperature_2m: z.number(),
    apparent_temperature: z.number().optional(),
    relative_humidity_2m: z.number().optional(),
    wind_speed_10m: z.number().optional(),
    weather_code: z.number(),
    is_day: z.number().optional(),
  }),
  daily: z.object({
    time: z.array(z.string()),
    weather_code: z.array(z.number()),
    temperature_2m_max: z.array(z.number()),
    temperature_2m_min: z.array(z.number()),
  }),
});

export type Weather = {
  location: { name: string; country?: string; latitude: number; longitude: number; timeZone?: string };
  current: {
    time: string;
    temperatureC: number;
    feelsLikeC?: number;
    humidityPercent?: number;
    windKmh?: number;
    condition: string;
    weatherCode: number;
    isDay: boolean;
  };
  daily: { date: string; condition: string; weatherCode: number; maxC: number; minC: number }[];
};

const describe = (code: number) => WEATHER_CODES[code] ?? "Unknown conditions";

async function getJson<T>(url: string, signal: AbortSignal, timeoutMs: number, schema: z.ZodType<T>): Promise<T> {
  const failed = (error: unknown, otherwise: string) => {
    if (signal.aborted && (signal.reason as Error | undefined)?.name === "TimeoutError") {
      return new ToolError(`The weather service did not answer within ${timeoutMs / 1000} seconds.`);
    }
    // The chat was stopped: pass the abort on as it is.
    if (signal.aborted) return error;
    return new ToolError(otherwise);
  };
  let response: Response;
  try {
    response = await fetch(url, { signal, headers: { accept: "application/json" } });
  } catch (error) {
    throw failed(error, "Could not reach the weather service.");
  }
  if (!response.ok) {
    await response.body?.cancel();
    throw new ToolError(`The weather service failed (HTTP ${response.status}).`);
  }
  let json: unknown;
  try {
    json = await response.json();
  } catch (error) {
    throw failed(error, "The weather service sent an answer that is not JSON.");
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) throw new ToolError("The weather service sent an answer in an unexpected format.");
  return parsed.data;
}

export type GetWeatherOptions = { baseUrl?: string; timeoutMs?: number };

export function createGetWeather({ baseUrl, timeoutMs = WEATHER_TIMEOUT_MS }: GetWeatherOptions = {}) {
  const geocodingUrl = baseUrl ?? GEOCODING_URL;
  const forecastUrl = baseUrl ?? FORECAST_URL;
  return tool({
    description: "Get the current weather and a three-day forecast for a city or place name.",
    inputSchema: z.object({
      city: z.string().min(1).max(100).describe("A city or place name, e.g. Paris or San Francisco"),
    }),
    execute: async ({ city }, { abortSignal }): Promise<Weather> => {
      const timeout = AbortSignal.timeout(timeoutMs);
      const signal = abortSignal ? AbortSignal.any([abortSignal, timeout]) : timeout;

      const search = new URLSearchParams({ name: city, count: "1", language: "en", format: "json" });
      const { results } = await getJson(`${geocodingUrl}/v1/search?${search}`, signal, timeoutMs, geocodingSchema);
      const place = results?.[0];
      if (!place) throw new ToolError(`No place called "${city}" was found.`);

      const query = new URLSearchParams({
        latitude: String(place.latitude),
        longitude: String(place.longitude),
        current: "temperature_2m,apparent_temperature,relative_humidity_2m,wind_speed_10m,weather_code,is_day",
        daily: "weather_code,temperature_2m_max,temperature_2m_min",
        forecast_days: "3",
        timezone: "auto",
      });
      const forecast = await getJson(`${forecastUrl}/v1/forecast?${query}`, signal, timeoutMs, forecastSchema);
      const { current, daily } = forecast;
      return {
        location: { ...place, timeZone: forecast.timezone },
        current: {
          time: current.time,
          temperatureC: current.temperature_2m,
          feelsLikeC: current.apparent_temperature,
          humidityPercent: current.relative_humidity_2m,
          windKmh: current.wind_speed_10m,
          condition: describe(current.weather_code),
          weatherCode: current.weather_code,
          isDay: current.is_day !== 0,
        },
        daily: daily.time.map((date, i) => ({
          date,
          condition: describe(daily.weather_code[i]),
          weatherCode: daily.weather_code[i],
          maxC: daily.temperature_2m_max[i],
          minC: daily.temperature_2m_min[i],
        })),
      };
    },
  });
}
