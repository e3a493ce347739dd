import type { Metadata } from "next";
import { ApiKeys } from "@/components/settings/ApiKeys";

export const metadata: Metadata = { title: "API keys" };

/** The visitor's keys for the OpenAI-compatible API (components/settings/ApiKeys.tsx). */
export default function ApiKeysPage() {
  return <ApiKeys />;
}
