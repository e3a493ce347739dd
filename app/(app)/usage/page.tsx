import type { Metadata } from "next";
import { SidebarToggle } from "@/components/sidebar/SidebarToggle";
import { OwnerLocked } from "@/components/usage/OwnerLocked";
import { SignOut } from "@/components/usage/SignIn";
import { UsageDashboard } from "@/components/usage/UsageDashboard";
import { ownerForPage } from "@/lib/security/owner";

export const metadata: Metadata = { title: "Usage", robots: { index: false } };

/** The deployment's usage, for its owner only (lib/security/owner.ts); anyone else gets the sign-in or the setup notes. */
export default async function UsagePage() {
  const access = await ownerForPage();
  return (
    <>
      <div className="flex h-14 shrink-0 items-center gap-2 px-3 sm:px-4">
        <SidebarToggle />
        {access.via === "cookie" && (
          <div className="ml-auto">
            <SignOut />
          </div>
        )}
      </div>
      {access.owner ? (
        <main data-testid="usage" className="w-full flex-1 overflow-y-auto px-4 pb-8">
          <div className="mx-auto w-full max-w-5xl">
            <UsageDashboard />
          </div>
        </main>
      ) : (
        <OwnerLocked access={access} />
      )}
    </>
  );
}
