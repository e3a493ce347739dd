/**
 * A fake Open-Meteo on 127.0.0.1, standing in for both of its hosts (the app's WEATHER_API_BASE_URL replaces both):
 * - `GET /v1/search?name=…&count=…&language=…&format=json`: the geocoding API. Known places (Paris, London, Tokyo)
 *   match by case-insensitive prefix; anything else gets the real API's "no results" answer, which has no `results`
 *   key at all (`{"generationtime_ms":…}`).
 * - `GET /v1/forecast?latitude=…&longitude=…&current=…&daily=…&forecast_days=…&timezone=…`: the forecast API. Like the
 *   real one it answers only the variables asked for, rejects unknown variable names with HTTP 400
 *   `{"error":true,"reason":…}`, and snaps coordinates to its grid.
 * Shapes follow https://open-meteo.com/en/docs and https://open-meteo.com/en/docs/geocoding-api.
 *
 * Data is fixed (the same answer every time), so tests can assert exact values. `failNext` scripts a fault for the
 * next request to one endpoint: an HTTP error, a body that is not JSON, an unexpected shape, or no answer at all.
 *
 * `openMeteoAnswer` is the pure part, shared with the end-to-end fake upstream (tests/support/e2e-fake-upstream.ts).
 */
import { startFakeServer, type FakeServerCore, type RecordedRequest, type Script } from "./http-fake";

export type OpenMeteoEndpoint = "search" | "forecast";

type Place = {
  geocoding: {
    id: number;
    name: string;
    latitude: number;
    longitude: number;
    elevation: number;
    feature_code: string;
    country_code: string;
    admin1_id: number;
    timezone: string;
    population: number;
    country_id: number;
    country: string;
    admin1: string;
  };
  /** The forecast grid cell the real API snaps these coordinates to. */
  grid: { latitude: number; longitude: number; elevation: number };
  utcOffsetSeconds: number;
  timezoneAbbreviation: string;
  current: {
    time: string;
    temperature_2m: number;
    apparent_temperature: number;
    relative_humidity_2m: number;
    wind_speed_10m: number;
    weather_code: number;
    is_day: number;
  };
  daily: { time: string[]; weather_code: number[]; temperature_2m_max: number[]; temperature_2m_min: number[] };
};

export const OPEN_METEO_PLACES = {
  paris: {
    geocoding: {
      id: 2988507,
      name: "Paris",
      latitude: 48.85341,
      longitude: 2.3488,
      elevation: 42,
      feature_code: "PPLC",
      country_code: "FR",
      admin1_id: 3012874,
      timezone: "Europe/Paris",
      population: 2138551,
      country_id: 3017382,
      country: "France",
      admin1: "Île-de-France",
    },
    grid: { latitude: 48.86, longitude: 2.3399997, elevation: 43 },
    utcOffsetSeconds: 3600,
    timezoneAbbreviation: "GMT+1",
    current: {
      time: "2026-01-15T14:00",
      temperature_2m: 7.3,
      apparent_temperature: 4.1,
      relative_humidity_2m: 81,
      wind_speed_10m: 14.2,
      weather_code: 3,
      is_day: 1,
    },
    daily: {
      time: ["2026-01-15", "2026-01-16", "2026-01-17"],
      weather_code: [3, 61, 2],
      temperature_2m_max: [8.9, 10.2, 9.4],
      temperature_2m_min: [3.1, 5.6, 4],
    },
  },
  london: {
    geocoding: {
      id: 2643743,
      name: "London",
      latitude: 51.50853,
      longitude: -0.12574,
      elevation: 25,
      feature_code: "PPLC",
      country_code: "GB",
      admin1_id: 6269131,
      timezone: "Europe/London",
      population: 7556900,
      country_id: 2635167,
      country: "United Kingdom",
      admin1: "England",
    },
    grid: { latitude: 51.5, longitude: -0.120000124, elevation: 23 },
    utcOffsetSeconds: 0,
    timezoneAbbreviation: "GMT",
    current: {
      time: "2026-01-15T13:00",
      temperature_2m: 9.8,
      apparent_temperature: 6.5,
      relative_humidity_2m: 88,
      wind_speed_10m: 22.7,
      weather_code: 61,
      is_day: 1,
    },
    daily: {
      time: ["2026-01-15", "2026-01-16", "2026-01-17"],
      weather_code: [61, 63, 3],
      temperature_2m_max: [10.4, 11.1, 9],
      temperature_2m_min: [6.2, 7.8, 5.1],
    },
  },
  tokyo: {
    geocoding: {
      id: 1850147,
      name: "Tokyo",
      latitude: 35.6895,
      longitude: 139.69171,
      elevation: 44,
      feature_code: "PPLC",
      country_code: "JP",
      admin1_id: 1850144,
      timezone: "Asia/Tokyo",
      population: 8336599,
      country_id: 1861060,
      country: "Japan",
      admin1: "Tokyo",
    },
    grid: { latitude: 35.7, longitude: 139.6875, elevation: 40 },
    utcOffsetSeconds: 32400,
    timezoneAbbreviation: "GMT+9",
    current: {
      time: "2026-01-15T22:00",
      temperature_2m: 6.1,
      apparent_temperature: 2.9,
      relative_humidity_2m: 42,
      wind_speed_10m: 9.4,
      weather_code: 0,
      is_day: 0,
    },
    daily: {
      time: ["2026-01-15", "2026-01-16", "2026-01-17"],
      weather_code: [0, 1, 2],
      temperature_2m_max: [10.8, 12.3, 11.5],
      temperature_2m_min: [1.9, 3.4, 2.8],
    },
  },
} satisfies Record<string, Place>;

export type OpenMeteoPlaceKey = keyof typeof OPEN_METEO_PLACES;

/** A place anywhere else (coordinates no known place geocodes to): the real API forecasts anywhere, so does this. */
const ELSEWHERE: Omit<Place, "geocoding"> = {
  grid: { latitude: 0, longitude: 0, elevation: 0 },
  utcOffsetSeconds: 0,
  timezoneAbbreviation: "GMT",
  current: {
    time: "2026-01-15T12:00",
    temperature_2m: 15,
    apparent_temperature: 15,
    relative_humidity_2m: 50,
    wind_speed_10m: 5,
    weather_code: 1,
    is_day: 1,
  },
  daily: {
    time: ["2026-01-15", "2026-01-16", "2026-01-17"],
    weather_code: [1, 1, 1],
    temperature_2m_max: [18, 18, 18],
    temperature_2m_min: [12, 12, 12],
  },
};

/** Variables the real forecast API knows (a subset: enough to tell a typo from a real name). */
const CURRENT_VARIABLES = new Set([
  "temperature_2m",
  "relative_humidity_2m",
  "apparent_temperature",
  "is_day",
  "precipitation",
  "rain",
  "showers",
  "snowfall",
  "weather_code",
  "cloud_cover",
  "pressure_msl",
  "surface_pressure",
  "wind_speed_10m",
  "wind_direction_10m",
  "wind_gusts_10m",
]);
const DAILY_VARIABLES = new Set([
  "weather_code",
  "temperature_2m_max",
  "temperature_2m_min",
  "apparent_temperature_max",
  "apparent_temperature_min",
  "sunrise",
  "sunset",
  "precipitation_sum",
  "precipitation_probability_max",
  "wind_speed_10m_max",
]);
const UNITS: Record<string, string> = {
  temperature_2m: "°C",
  apparent_temperature: "°C",
  temperature_2m_max: "°C",
  temperature_2m_min: "°C",
  relative_humidity_2m: "%",
  wind_speed_10m: "km/h",
  weather_code: "wmo code",
  is_day: "",
};

export type OpenMeteoAnswer = { status: number; body: unknown };

const generationTime = { generationtime_ms: 0.1 };

function badRequest(reason: string): OpenMeteoAnswer {
  return { status: 400, body: { reason, error: true } };
}

/** The geocoding API's answer to a search. */
export function searchAnswer(params: URLSearchParams): OpenMeteoAnswer {
  const name = params.get("name");
  if (name === null) return badRequest("Parameter 'name' is required");
  const count = Number(params.get("count") ?? 10);
  if (!Number.isInteger(count) || count < 1 || count > 100) return badRequest("Parameter 'count' must be between 1 and 100");
  const format = params.get("format") ?? "json";
  if (format !== "json") return badRequest(`Cannot initialize Format from invalid String value ${format}`);
  const query = name.trim().toLowerCase();
  // Like the real API, fewer than two characters finds nothing.
  const matches =
    query.length < 2
      ? []
      : Object.values(OPEN_METEO_PLACES)
          .filter((place) => place.geocoding.name.toLowerCase().startsWith(query))
          .slice(0, count)
          .map((place) => place.geocoding);
  // No match: the real API leaves `results` out entirely.
  return { status: 200, body: matches.length > 0 ? { results: matches, ...generationTime } : generationTime };
}

function placeAt(latitude: number, longitude: number): Omit<Place, "geocoding"> & { timezone: string } {
  const place = Object.values(OPEN_METEO_PLACES).find(
    (candidate) => candidate.geocoding.latitude === latitude && candidate.geocoding.longitude === longitude,
  );
  if (place) return { ...place, timezone: place.geocoding.timezone };
  return {
    ...ELSEWHERE,
    grid: { ...ELSEWHERE.grid, latitude: Math.round(latitude * 10) / 10, longitude: Math.round(longitude * 10) / 10 },
    timezone: "GMT",
  };
}

function variables(params: URLSearchParams, key: "current" | "daily", known: Set<string>): string[] | OpenMeteoAnswer {
  const names = (params.get(key) ?? "").split(",").filter(Boolean);
  const unknown = names.find((name) => !known.has(name));
  if (unknown) {
    const kind = key === "current" ? "ForecastVariable" : "ForecastVariableDaily";
    return badRequest(`Cannot initialize ${kind} from invalid String value ${unknown} for key ${key}`);
  }
  return names;
}

/** The forecast API's answer. */
export function forecastAnswer(params: URLSearchParams): OpenMeteoAnswer {
  const latitude = Number(params.get("latitude"));
  const longitude = Number(params.get("longitude"));
  if (params.get("latitude") === null || Number.isNaN(latitude)) return badRequest("Value of type 'Float' required for key 'latitude'.");
  if (params.get("longitude") === null || Number.isNaN(longitude)) return badRequest("Value of type 'Float' required for key 'longitude'.");
  if (Math.abs(latitude) > 90) return badRequest(`Latitude must be in range of -90 to 90°. Given: ${latitude}.`);
  if (Math.abs(longitude) > 180) return badRequest(`Longitude must be in range of -180 to 180°. Given: ${longitude}.`);
  const current = variables(params, "current", CURRENT_VARIABLES);
  if (!Array.isArray(current)) return current;
  const daily = variables(params, "daily", DAILY_VARIABLES);
  if (!Array.isArray(daily)) return daily;
  const days = Number(params.get("forecast_days") ?? 7);
  if (!Number.isInteger(days) || days < 0 || days > 16) return badRequest("Forecast days is invalid. Allowed range 0 to 16.");

  const place = placeAt(latitude, longitude);
  const requested = params.get("timezone");
  const auto = requested === "auto";
  const body: Record<string, unknown> = {
    latitude: place.grid.latitude,
    longitude: place.grid.longitude,
    ...generationTime,
    utc_offset_seconds: auto ? place.utcOffsetSeconds : 0,
    timezone: auto ? place.timezone : (requested ?? "GMT"),
    timezone_abbreviation: auto ? place.timezoneAbbreviation : "GMT",
    elevation: place.grid.elevation,
  };
  if (current.length > 0) {
    const values = place.current as Record<string, number | string>;
    body.current_units = {
      time: "iso8601",
      interval: "seconds",
      ...Object.fromEntries(current.map((name) => [name, UNITS[name] ?? ""])),
    };
    body.current = {
      time: values.time,
      interval: 900,
      ...Object.fromEntries(current.map((name) => [name, values[name] ?? 0])),
    };
  }
  if (daily.length > 0) {
    const series = place.daily as Record<string, (number | string)[]>;
    const pick = (values: (number | string)[]) => Array.from({ length: days }, (_, i) => values[i % values.length]);
    body.daily_units = { time: "iso8601", ...Object.fromEntries(daily.map((name) => [name, UNITS[name] ?? ""])) };
    body.daily = {
      time: Array.from({ length: days }, (_, i) =>
        new Date(Date.parse(`${place.daily.time[0]}T00:00:00Z`) + i * 86_400_000).toISOString().slice(0, 10),
      ),
      ...Object.fromEntries(daily.map((name) => [name, pick(series[name] ?? [0])])),
    };
  }
  return { status: 200, body };
}

/** Open-Meteo's answer to any request, or undefined when the path is not one of its endpoints. */
export function openMeteoAnswer(method: string, url: string): OpenMeteoAnswer | undefined {
  const parsed = new URL(url, "http://open-meteo.invalid");
  const endpoint = endpointOf(parsed.pathname);
  if (!endpoint) return undefined;
  if (method !== "GET") return { status: 405, body: { reason: "Method not allowed", error: true } };
  return endpoint === "search" ? searchAnswer(parsed.searchParams) : forecastAnswer(parsed.searchParams);
}

function endpointOf(pathname: string): OpenMeteoEndpoint | undefined {
  if (pathname === "/v1/search") return "search";
  if (pathname === "/v1/forecast") return "forecast";
  return undefined;
}

/** The body of an Open-Meteo error, as the real API sends it with a 4xx/5xx. */
export function openMeteoError(status: number, reason = "Internal Server Error"): Script {
  return { kind: "json", status, body: { reason, error: true } };
}

export type FakeOpenMeteo = FakeServerCore & {
  /** Value for WEATHER_API_BASE_URL / createGetWeather({ baseUrl }). */
  baseUrl: string;
  /** The query of each request to an endpoint, in order. */
  queries(endpoint: OpenMeteoEndpoint): URLSearchParams[];
  /** The next request to `endpoint` gets `script` instead of the normal answer (queued, one per request). */
  failNext(endpoint: OpenMeteoEndpoint, ...scripts: Script[]): void;
  /** Drops recorded requests and queued faults. */
  reset(): void;
};

export async function startFakeOpenMeteo(): Promise<FakeOpenMeteo> {
  const faults: Record<OpenMeteoEndpoint, Script[]> = { search: [], forecast: [] };
  const core = await startFakeServer((request: RecordedRequest): Script => {
    const endpoint = endpointOf(new URL(request.path, "http://fake").pathname);
    const fault = endpoint && faults[endpoint].shift();
    if (fault) return fault;
    const answer = openMeteoAnswer(request.method, request.path);
    if (!answer) return { kind: "json", status: 404, body: { reason: `Unknown path ${request.path}`, error: true } };
    return { kind: "json", status: answer.status, body: answer.body };
  });
  return {
    ...core,
    requests: core.requests,
    get connectionsClosedEarly() {
      return core.connectionsClosedEarly;
    },
    baseUrl: core.url,
    queries: (endpoint) =>
      core.requests
        .map((request) => new URL(request.path, "http://fake"))
        .filter((url) => endpointOf(url.pathname) === endpoint)
        .map((url) => url.searchParams),
    failNext: (endpoint, ...scripts) => faults[endpoint].push(...scripts),
    reset: () => {
      core.requests.length = 0;
      faults.search.length = 0;
      faults.forecast.length = 0;
    },
  };
}
