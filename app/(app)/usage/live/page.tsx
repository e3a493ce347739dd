import type { Metadata } from "next";
import { LiveStreams } from "@/components/usage/LiveStreams";
import { OwnerPage } from "@/components/usage/OwnerPage";

export const metadata: Metadata = { title: "Live streams", robots: { index: false } };

/** The answers streaming right now, for the owner only, behind the same gate as /usage. */
export default function LiveStreamsPage() {
  return (
    <OwnerPage testId="live-streams">
      <LiveStreams />
    </OwnerPage>
  );
}
