import type { Metadata } from "next";
import { SidebarToggle } from "@/components/sidebar/SidebarToggle";
import { LiveStreams } from "@/components/usage/LiveStreams";
import { OwnerLocked } from "@/components/usage/OwnerLocked";
import { SignOut } from "@/components/usage/SignIn";
import { ownerForPage } from "@/lib/security/owner";

export const metadata: Metadata = { title: "Live streams", robots: { index: false } };

/** The answers streaming right now, for the owner only, behind the same gate as /usage (lib/security/owner.ts). */
export default async function LiveStreamsPage() {
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
        <main data-testid="live-streams" className="w-full flex-1 overflow-y-auto px-4 pb-8">
          <div className="mx-auto w-full max-w-5xl">
            <LiveStreams />
          </div>
        </main>
      ) : (
        <OwnerLocked access={access} />
      )}
    </>
  );
}
