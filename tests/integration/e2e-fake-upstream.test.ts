/**
 * The end-to-end fake upstream (tests/support/e2e-fake-upstream.ts) as Open-Meteo: the real getWeather tool pointed at
 * it (as the worker is, with WEATHER_API_BASE_URL) gets the fixed data for Paris, London and Tokyo, an unknown place
 * gets Open-Meteo's empty answer, and the model routes still answer beside it.
 */
import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createGetWeather, type Weather } from "@/lib/ai/tools/get-weather";
import { startE2EUpstream, type E2EUpstream } from "../support/e2e-fake-upstream";

let upstream: E2EUpstream;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

beforeAll(async () => {
  upstream = await startE2EUpstream({ port: await freePort(), host: "127.0.0.1" });
});
afterAll(async () => {
  await upstream?.close();
});

function weather(city: string): Promise<Weather> {
  const tool = createGetWeather({ baseUrl: upstream.url });
  return tool.execute!({ city }, { toolCallId: "call-1", messages: [], context: {} } as never) as Promise<Weather>;
}

describe("the e2e fake upstream as Open-Meteo", () => {
  it.each([
    ["Paris", "France", "Europe/Paris", "Overcast", true],
    ["London", "United Kingdom", "Europe/London", "Light rain", true],
    ["Tokyo", "Japan", "Asia/Tokyo", "Clear sky", false],
  ])("%s: deterministic weather through the real tool", async (city, country, timeZone, condition, isDay) => {
    const first = await weather(city);
    expect(first.location).toMatchObject({ name: city, country, timeZone });
    expect(first.current).toMatchObject({ condition, isDay });
    expect(first.daily).toHaveLength(3);
    await expect(weather(city.toUpperCase())).resolves.toEqual(first);
  });

  it("an unknown place: Open-Meteo's answer without `results`, so the tool says so", async () => {
    const response = await fetch(`${upstream.url}/v1/search?name=Atlantis&count=1&language=en&format=json`);
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body).not.toHaveProperty("results");
    expect(body).toHaveProperty("generationtime_ms");
    await expect(weather("Atlantis")).rejects.toThrow('No place called "Atlantis" was found.');
  });

  it("rejects an unknown forecast variable with Open-Meteo's 400, and logs weather requests for the specs", async () => {
    const response = await fetch(`${upstream.url}/v1/forecast?latitude=1&longitude=2&current=temperature_3m`);
    expect(response.status).toBe(400);
    expect(await response.json()).toEqual({
      reason: "Cannot initialize ForecastVariable from invalid String value temperature_3m for key current",
      error: true,
    });
    const log = (await (await fetch(`${upstream.url}/__e2e/weather-log`)).json()) as { path: string; status: number }[];
    expect(log.at(-1)).toEqual({ path: "/v1/forecast?latitude=1&longitude=2&current=temperature_3m", status: 400 });
    expect(log.some((entry) => entry.path.startsWith("/v1/search?name=Paris"))).toBe(true);
  });

  it("still answers model calls beside the weather routes", async () => {
    const response = await fetch(`${upstream.url}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ model: "gpt-fake", stream: true, messages: [{ role: "user", content: "hi" }] }),
    });
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("data: [DONE]");
  });
});
