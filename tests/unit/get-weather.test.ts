/**
 * getWeather against a fake Open-Meteo over real HTTP (tests/support/fake-open-meteo.ts): the mapping of a real-shaped
 * answer, and every way the service can fail (unknown place, HTTP errors, non-JSON, another shape, silence, a closed
 * port), plus the chat's abort signal reaching the socket.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it, vi } from "vitest";
import { createGetWeather, WEATHER_TIMEOUT_MS, type Weather } from "@/lib/ai/tools/get-weather";
import { forecastAnswer, OPEN_METEO_PLACES, openMeteoError, startFakeOpenMeteo, type FakeOpenMeteo } from "../support/fake-open-meteo";
import { startFakeServer } from "../support/http-fake";
import { testChatTools } from "../support/tools";

let fake: FakeOpenMeteo;

beforeAll(async () => {
  fake = await startFakeOpenMeteo();
});
afterAll(async () => {
  await fake.close();
});
beforeEach(() => fake.reset());
afterEach(() => vi.restoreAllMocks());

type WeatherTool = ReturnType<typeof createGetWeather>;

function run(tool: WeatherTool, city: string, abortSignal?: AbortSignal): Promise<Weather> {
  if (!tool.execute) throw new Error("getWeather has no execute");
  return tool.execute({ city }, { toolCallId: "call-1", messages: [], context: {}, abortSignal } as never) as Promise<Weather>;
}

const weatherAt = (options: { timeoutMs?: number } = {}) => createGetWeather({ baseUrl: fake.baseUrl, ...options });

describe("getWeather: answers", () => {
  it("maps Open-Meteo's geocoding and forecast answers to the card's shape", async () => {
    const weather = await run(weatherAt(), "Paris");

    const paris = OPEN_METEO_PLACES.paris;
    expect(weather).toEqual({
      location: { name: "Paris", country: "France", latitude: 48.85341, longitude: 2.3488, timeZone: "Europe/Paris" },
      current: {
        time: "2026-01-15T14:00",
        temperatureC: 7.3,
        feelsLikeC: 4.1,
        humidityPercent: 81,
        windKmh: 14.2,
        condition: "Overcast",
        weatherCode: 3,
        isDay: true,
      },
      daily: [
        { date: "2026-01-15", condition: "Overcast", weatherCode: 3, maxC: 8.9, minC: 3.1 },
        { date: "2026-01-16", condition: "Light rain", weatherCode: 61, maxC: 10.2, minC: 5.6 },
        { date: "2026-01-17", condition: "Partly cloudy", weatherCode: 2, maxC: 9.4, minC: 4 },
      ],
    } satisfies Weather);
    // Only what the card needs: the geocoder's other fields (ids, population, admin names) are not passed on.
    expect(Object.keys(weather.location).sort()).toEqual(["country", "latitude", "longitude", "name", "timeZone"]);

    // What went over the wire: one search for the name, one forecast for the coordinates it found.
    const [search] = fake.queries("search");
    expect(Object.fromEntries(search)).toEqual({ name: "Paris", count: "1", language: "en", format: "json" });
    const [forecast] = fake.queries("forecast");
    expect(forecast.get("latitude")).toBe(String(paris.geocoding.latitude));
    expect(forecast.get("longitude")).toBe(String(paris.geocoding.longitude));
    expect(forecast.get("timezone")).toBe("auto");
    expect(forecast.get("forecast_days")).toBe("3");
    expect(forecast.get("current")?.split(",")).toEqual(
      expect.arrayContaining(["temperature_2m", "weather_code", "is_day", "wind_speed_10m"]),
    );
    expect(fake.requests.map((request) => request.headers.accept)).toEqual(["application/json", "application/json"]);
  });

  it("reports night as isDay false, and passes a name with spaces and accents through the query intact", async () => {
    const tokyo = await run(weatherAt(), "Tokyo");
    expect(tokyo.current).toMatchObject({ isDay: false, condition: "Clear sky", temperatureC: 6.1 });
    expect(tokyo.location.timeZone).toBe("Asia/Tokyo");

    await expect(run(weatherAt(), "São Paulo & co")).rejects.toThrow('No place called "São Paulo & co" was found.');
    expect(fake.queries("search").at(-1)?.get("name")).toBe("São Paulo & co");
  });

  it("names a weather code it does not know 'Unknown conditions' instead of failing", async () => {
    const { body } = forecastAnswer(
      new URLSearchParams({ latitude: "1", longitude: "2", current: "temperature_2m,weather_code", daily: "weather_code,temperature_2m_max,temperature_2m_min", forecast_days: "1" }),
    ) as { body: { current: { weather_code: number }; daily: { weather_code: number[] } } };
    body.current.weather_code = 42;
    body.daily.weather_code = [42];
    fake.failNext("forecast", { kind: "json", status: 200, body });

    const weather = await run(weatherAt(), "London");
    expect(weather.current).toMatchObject({ condition: "Unknown conditions", weatherCode: 42 });
    expect(weather.daily).toEqual([{ date: "2026-01-15", condition: "Unknown conditions", weatherCode: 42, maxC: 18, minC: 12 }]);
  });

  it("is the chat's getWeather when the route passes WEATHER_API_BASE_URL on", async () => {
    const tool = testChatTools({ weatherBaseUrl: fake.baseUrl }).getWeather;
    await expect(run(tool, "london")).resolves.toMatchObject({ location: { name: "London", country: "United Kingdom" } });
    expect(fake.requests).toHaveLength(2);
  });

  it("its input schema takes a place name of 1 to 100 characters", () => {
    const schema = weatherAt().inputSchema as unknown as { safeParse: (value: unknown) => { success: boolean } };
    expect(schema.safeParse({ city: "Paris" }).success).toBe(true);
    expect(schema.safeParse({ city: "" }).success).toBe(false);
    expect(schema.safeParse({ city: "x".repeat(101) }).success).toBe(false);
    expect(schema.safeParse({ town: "Paris" }).success).toBe(false);
  });
});

describe("getWeather: failures are errors written for people", () => {
  it("an unknown place (no `results` in the answer) fails without asking for a forecast", async () => {
    await expect(run(weatherAt(), "Atlantis")).rejects.toThrow('No place called "Atlantis" was found.');
    expect(fake.queries("search")).toHaveLength(1);
    expect(fake.queries("forecast")).toHaveLength(0);
  });

  it.each(["search", "forecast"] as const)("HTTP 500 from %s", async (endpoint) => {
    fake.failNext(endpoint, openMeteoError(500));
    await expect(run(weatherAt(), "Paris")).rejects.toThrow(new Error("The weather service failed (HTTP 500)."));
  });

  it("HTTP 400 with Open-Meteo's own reason: the status, not the upstream's wording", async () => {
    fake.failNext("forecast", openMeteoError(400, "Latitude must be in range of -90 to 90°. Given: 91.0."));
    await expect(run(weatherAt(), "Paris")).rejects.toThrow(new Error("The weather service failed (HTTP 400)."));
  });

  it.each(["search", "forecast"] as const)("a %s answer that is not JSON", async (endpoint) => {
    fake.failNext(endpoint, { kind: "raw", status: 200, body: '{"results":[{"name":"Paris",' });
    await expect(run(weatherAt(), "Paris")).rejects.toThrow(new Error("The weather service sent an answer that is not JSON."));
  });

  it("an HTML error page with status 200", async () => {
    fake.failNext("search", { kind: "raw", status: 200, body: "<html>Bad gateway</html>", headers: { "content-type": "text/html" } });
    await expect(run(weatherAt(), "Paris")).rejects.toThrow(new Error("The weather service sent an answer that is not JSON."));
  });

  it.each([
    ["search", { results: [{ name: "Paris", country: "France" }] }],
    ["search", { results: "Paris" }],
    ["search", [1, 2, 3]],
    ["search", null],
    ["forecast", { timezone: "Europe/Paris" }],
    ["forecast", { current: { time: "now", temperature_2m: "warm", weather_code: 1 }, daily: { time: [], weather_code: [], temperature_2m_max: [], temperature_2m_min: [] } }],
  ] as const)("a %s answer in an unexpected shape: %j", async (endpoint, body) => {
    fake.failNext(endpoint, { kind: "json", status: 200, body });
    await expect(run(weatherAt(), "Paris")).rejects.toThrow(
      new Error("The weather service sent an answer in an unexpected format."),
    );
  });

  it("a service that cannot be reached", async () => {
    const closed = await startFakeServer(() => ({ kind: "json", status: 200, body: {} }));
    const baseUrl = closed.url;
    await closed.close();
    await expect(run(createGetWeather({ baseUrl }), "Paris")).rejects.toThrow(new Error("Could not reach the weather service."));
  });
});

describe("getWeather: time limits and stopping", () => {
  it("gives up on a service that never answers, after its timeout, and closes the connection", async () => {
    fake.failNext("search", { kind: "hang" });
    const started = performance.now();
    await expect(run(weatherAt({ timeoutMs: 200 }), "Paris")).rejects.toThrow(
      new Error("The weather service did not answer within 0.2 seconds."),
    );
    const elapsed = performance.now() - started;
    expect(elapsed).toBeGreaterThanOrEqual(190);
    expect(elapsed).toBeLessThan(2_000);
    await expect(fake.requests[0].closed).resolves.toMatchObject({ beforeEnd: true });
  });

  it("the timeout covers the body too: headers then silence", async () => {
    fake.failNext("forecast", { kind: "hang", afterHeaders: { contentType: "application/json", partialBody: '{"current":' } });
    await expect(run(weatherAt({ timeoutMs: 200 }), "Paris")).rejects.toThrow(
      new Error("The weather service did not answer within 0.2 seconds."),
    );
    await expect(fake.requests[1].closed).resolves.toMatchObject({ beforeEnd: true });
  });

  it(`the default timeout is ${WEATHER_TIMEOUT_MS / 1000} s`, async () => {
    // Not waiting 10 s: AbortSignal.timeout is observed (it is the platform's, not the code under test), and the
    // signal it hands back fires sooner; the tool's own message still names its configured limit.
    expect(WEATHER_TIMEOUT_MS).toBe(10_000);
    const realTimeout = AbortSignal.timeout.bind(AbortSignal);
    const asked: number[] = [];
    vi.spyOn(AbortSignal, "timeout").mockImplementation((ms) => {
      asked.push(ms);
      return realTimeout(100);
    });
    fake.failNext("search", { kind: "hang" });
    await expect(run(createGetWeather({ baseUrl: fake.baseUrl }), "Paris")).rejects.toThrow(
      new Error("The weather service did not answer within 10 seconds."),
    );
    expect(asked).toEqual([WEATHER_TIMEOUT_MS]);
  });

  it("stops when the chat is stopped: the abort reason passes through and the server sees the socket close", async () => {
    fake.failNext("search", { kind: "hang" });
    const controller = new AbortController();
    const pending = run(weatherAt(), "Paris", controller.signal);
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1));
    const abortedAt = performance.now();
    controller.abort();

    const error = await pending.then(
      () => undefined,
      (reason: unknown) => reason,
    );
    // Not turned into a weather-service message: a stopped chat is not a failing service.
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).name).toBe("AbortError");
    expect((error as Error).message).not.toMatch(/weather service/);
    const closed = await fake.requests[0].closed;
    expect(closed.beforeEnd).toBe(true);
    expect(closed.at - abortedAt).toBeLessThan(1_000);
  });

  it("stops while the forecast body is still arriving", async () => {
    fake.failNext("forecast", { kind: "hang", afterHeaders: { contentType: "application/json", partialBody: "{" } });
    const controller = new AbortController();
    const pending = run(weatherAt(), "Paris", controller.signal);
    await vi.waitFor(() => expect(fake.requests).toHaveLength(2));
    controller.abort(new DOMException("The chat was stopped.", "AbortError"));
    await expect(pending).rejects.toMatchObject({ name: "AbortError" });
    await expect(fake.requests[1].closed).resolves.toMatchObject({ beforeEnd: true });
  });

  it("an already-stopped chat sends nothing", async () => {
    const controller = new AbortController();
    controller.abort();
    await expect(run(weatherAt(), "Paris", controller.signal)).rejects.toMatchObject({ name: "AbortError" });
    expect(fake.requests).toHaveLength(0);
  });
});
