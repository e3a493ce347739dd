import type { ReactNode } from "react";
import { SidebarToggle } from "@/components/sidebar/SidebarToggle";
import { ownerForPage } from "@/lib/security/owner";
import { OwnerLocked } from "./OwnerLocked";
import { SignOut } from "./SignIn";

/** A page for the deployment's owner only (lib/security/owner.ts); anyone else gets the sign-in or the setup notes. */
export async function OwnerPage({ testId, children }: { testId: string; children: ReactNode }) {
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
        <main data-testid={testId} className="w-full flex-1 overflow-y-auto px-4 pb-8">
          <div className="mx-auto w-full max-w-5xl">{children}</div>
        </main>
      ) : (
        <OwnerLocked access={access} />
      )}
    </>
  );
}
