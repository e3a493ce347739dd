import type { Metadata } from "next";
import { OwnerPage } from "@/components/usage/OwnerPage";
import { UsageDashboard } from "@/components/usage/UsageDashboard";

export const metadata: Metadata = { title: "Usage", robots: { index: false } };

/** The deployment's usage, for its owner only. */
export default function UsagePage() {
  return (
    <OwnerPage testId="usage">
      <UsageDashboard />
    </OwnerPage>
  );
}
